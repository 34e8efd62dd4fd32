"""The `touchpoint` operator command line and the local stack. Never shipped into a Lambda."""
