"""Authentication and authorisation: users, roles, passwords, sessions."""
