"""Stand-ins for collaborators that are not remote systems (those get sandboxes)."""


class RecordingProgress:
    """Takes a job's progress reports, as portal.jobs.JobProgress would, and keeps them for asserts."""

    def __init__(self):
        self.total, self.done = None, 0

    def set_total(self, total):
        self.total = total

    def advance(self, count=1):
        self.done += count
