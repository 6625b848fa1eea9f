"""The process review: how the S&OP process performs, each review's agenda, and what
changed against last month's approved plan."""
