"""The admin console's frame: one layout, navigation and error handling for console pages of any function."""
