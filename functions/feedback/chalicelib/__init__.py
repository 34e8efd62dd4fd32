"""Logic of the feedback function (QR-code feedback forms in stores)."""
