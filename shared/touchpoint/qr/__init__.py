"""QR codes for stores: signed touchpoint tokens, QR images (segno) and printable posters."""
