"""Services: one function per question, the only door the front ends (CLI, report, web) use to the model."""
