"""The coordinators' weekly digest."""
