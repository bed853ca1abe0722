"""L0: exact money, instruments, sides and other vocabulary shared by every layer."""
