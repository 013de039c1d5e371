"""The model core: pure functions of arrays (discounting, returns, decline curves) and the annual kernel."""
