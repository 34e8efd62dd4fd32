"""Team accounts: Cognito users, invitations, sign-in, password reset (`service.AccountService`)."""
