"""Repositories that wrap DynamoDB and S3. Clients are injected or created lazily, never at import."""
