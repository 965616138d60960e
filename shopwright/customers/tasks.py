"""Background jobs of customers: thin wrappers over services."""

from huey.contrib.djhuey import db_task

from shopwright.customers.services import customer_password_reset_send


@db_task(retries=3, retry_delay=10, retry_backoff=2)
def customer_password_reset_send_task(store_id: int, sealed_email: str, sealed_ip: str) -> None:
    # Arguments are ids and ciphertext only: the job store holds no address or IP.
    customer_password_reset_send(store_id=store_id, sealed_email=sealed_email, sealed_ip=sealed_ip)
