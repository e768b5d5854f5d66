"""Source adapters: each parses one source format into tidy frames, touching no database."""
