"""CSV learner import: upload, preview stored in the database, confirm, background job."""
