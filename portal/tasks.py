from celery import shared_task

from portal import jobs


@shared_task(name="portal.tasks.job_run", acks_late=True)
def job_run(job_id: int) -> str:
    return jobs.job_run_now(job_id).status


@shared_task(name="portal.tasks.jobs_resume_interrupted", ignore_result=True)
def jobs_resume_interrupted() -> dict:
    """Celery beat: queue again the jobs whose worker died while running them."""
    return jobs.jobs_resume_interrupted()
