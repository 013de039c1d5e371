"""Risk: price paths, security and schedule disruptions, Monte Carlo and sensitivity."""
