from celery import shared_task

from portal.jobs import job_run_now


@shared_task(name="portal.tasks.job_run", acks_late=True)
def job_run(job_id: int) -> str:
    return job_run_now(job_id).status
