"""PocketQuant's AWS infrastructure (CDK): one construct per capability, a thin stack."""
