"""Every sentence a user reads, one module per page or topic, as plain strings and tables."""
