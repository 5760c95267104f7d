"""The guided start's Celery task: loading sample data (eager, in-process, without a broker)."""

from celery import shared_task

from onboarding import sample


@shared_task(name="onboarding.load_sample_data", acks_late=True, ignore_result=True)
def load_sample_data_task(workspace_id: int) -> None:
    sample.sample_data_load(workspace_id=workspace_id)
