"""The process-wide runtime: settings, clients and the repositories every function uses.

Built lazily on first use (after moto is started in tests), once per Lambda container. Each
repository's module is imported when the repository is first used, so a function's cold start
loads only what its requests need (ingest never loads the alerts or the comment analysis).
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, cast

from touchpoint.settings import Settings, get_settings

if TYPE_CHECKING:
    from touchpoint.accounts.service import AccountService
    from touchpoint.storage.alerts import AlertRepository
    from touchpoint.storage.audit import AuditRepository
    from touchpoint.storage.cases import AnnouncementRepository, CaseRepository
    from touchpoint.storage.clients import AwsClients
    from touchpoint.storage.contacts import ContactRepository
    from touchpoint.storage.coupons import CouponRepository
    from touchpoint.storage.form_state import FormStateRepository
    from touchpoint.storage.identity import IdentityRepository
    from touchpoint.storage.lake import LakeRepository
    from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository
    from touchpoint.storage.landing import EventLanding
    from touchpoint.storage.locations import LocationRepository
    from touchpoint.storage.metrics import MetricsRepository
    from touchpoint.storage.notification_queue import NotificationQueue, SqsClient
    from touchpoint.storage.notifications import NotificationRepository
    from touchpoint.storage.privacy_records import PrivacyRecordRepository
    from touchpoint.storage.privacy_state import PrivacyStateRepository
    from touchpoint.storage.quarantine import QuarantineRepository
    from touchpoint.storage.rate_limits import RateLimitRepository
    from touchpoint.storage.response_exports import ResponseExportRepository
    from touchpoint.storage.responses import ResponseRepository
    from touchpoint.storage.rollup_state import RollupStateRepository
    from touchpoint.storage.surveys import SurveyRepository
    from touchpoint.storage.tenants import TenantRepository
    from touchpoint.storage.users import UserRepository
    from touchpoint.text.engine import SentimentEngine


class Runtime:
    """Settings plus lazily created clients and repositories."""

    def __init__(self, settings: Settings, clients: AwsClients | None = None) -> None:
        from touchpoint.storage.clients import AwsClients

        self.settings = settings
        self.clients = clients or AwsClients(settings.region)

    @cached_property
    def sentiment_engine(self) -> SentimentEngine:
        """Comment sentiment: local, or Amazon Comprehend when the stage chose it (client made on first use)."""
        from touchpoint.text.engine import ComprehendClient, sentiment_engine

        return sentiment_engine(
            self.settings.sentiment_engine, lambda: cast(ComprehendClient, self.clients.comprehend)
        )

    @cached_property
    def tenants(self) -> TenantRepository:
        """Tenants and API keys."""
        from touchpoint.storage.tenants import TenantRepository

        return TenantRepository(self.clients.dynamodb, self.settings.config_table, self.settings.key_pepper)

    @cached_property
    def users(self) -> UserRepository:
        """Team members of each tenant (roles, store scopes, session versions)."""
        from touchpoint.storage.users import UserRepository

        return UserRepository(self.clients.dynamodb, self.settings.config_table)

    @cached_property
    def accounts(self) -> AccountService:
        """Team accounts: Cognito sign-in, invitations, roles and store scopes (`touchpoint.accounts`)."""
        from touchpoint.accounts.wiring import account_service

        return account_service(self)

    @cached_property
    def audit(self) -> AuditRepository:
        """The audit log: who changed what (state table, append-only)."""
        from touchpoint.storage.audit import AuditRepository

        return AuditRepository(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def locations(self) -> LocationRepository:
        """Stores and their touchpoints."""
        from touchpoint.storage.locations import LocationRepository

        return LocationRepository(self.clients.dynamodb, self.settings.config_table)

    @cached_property
    def lake(self) -> LakeRepository:
        """The S3 data lake."""
        from touchpoint.storage.lake import LakeRepository

        return LakeRepository(self.clients.s3, self.settings.lake_bucket)

    @cached_property
    def landing(self) -> EventLanding:
        """Accepted events into the Firehose delivery stream (landed in the lake by Firehose)."""
        from touchpoint.storage.landing import EventLanding

        return EventLanding(self.clients.firehose, self.settings.events_stream)

    @cached_property
    def rollup_state(self) -> RollupStateRepository:
        """Done and dirty tenant-days."""
        from touchpoint.storage.rollup_state import RollupStateRepository

        return RollupStateRepository(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def surveys(self) -> SurveyRepository:
        """Survey definitions."""
        from touchpoint.storage.surveys import SurveyRepository

        return SurveyRepository(self.clients.dynamodb, self.settings.config_table)

    @cached_property
    def responses(self) -> ResponseRepository:
        """Survey and feedback responses."""
        from touchpoint.storage.responses import ResponseRepository

        return ResponseRepository(self.clients.dynamodb, self.settings.responses_table)

    @cached_property
    def contacts(self) -> ContactRepository:
        """Respondents' contact details, KMS-encrypted, one item per consenting answer (responses table)."""
        from touchpoint.storage.contacts import ContactRepository, KmsClient

        return ContactRepository(
            self.clients.dynamodb,
            cast(KmsClient, self.clients.kms),
            self.settings.responses_table,
            self.settings.contact_key_id,
        )

    @cached_property
    def coupons(self) -> CouponRepository:
        """Thank-you coupon pools and who received a coupon."""
        from touchpoint.storage.coupons import CouponRepository

        return CouponRepository(
            self.clients.dynamodb, self.settings.config_table, self.settings.responses_table
        )

    @cached_property
    def response_exports(self) -> ResponseExportRepository:
        """Response exports (CSV, JSON lines) in the lake, downloaded through presigned URLs."""
        from touchpoint.storage.response_exports import ResponseExportRepository

        return ResponseExportRepository(self.clients.s3, self.settings.lake_bucket)

    @cached_property
    def identity(self) -> IdentityRepository:
        """Identity links and the erasure suppression list (people table)."""
        from touchpoint.storage.identity import IdentityRepository

        return IdentityRepository(self.clients.dynamodb, self.settings.people_table)

    @cached_property
    def rate_limits(self) -> RateLimitRepository:
        """Per-tenant request windows (state table)."""
        from touchpoint.storage.rate_limits import RateLimitRepository

        return RateLimitRepository(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def quarantine(self) -> QuarantineRepository:
        """Rejected input and its reasons (lake `quarantine/`)."""
        from touchpoint.storage.quarantine import QuarantineRepository

        return QuarantineRepository(self.lake)

    @cached_property
    def metrics(self) -> MetricsRepository:
        """Daily metric results (readers see each day's current rollup run only)."""
        from touchpoint.storage.metrics import MetricsRepository

        return MetricsRepository(self.clients.dynamodb, self.settings.metrics_table, self.rollup_state)

    @cached_property
    def form_state(self) -> FormStateRepository:
        """Rate-limit windows and single-use nonces of the feedback form."""
        from touchpoint.storage.form_state import FormStateRepository

        return FormStateRepository(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def alerts(self) -> AlertRepository:
        """Alert rules, fired alerts and their delivery attempts."""
        from touchpoint.storage.alerts import AlertRepository

        return AlertRepository(self.clients.dynamodb, self.settings.config_table, self.settings.state_table)

    @cached_property
    def lake_maintenance(self) -> LakeMaintenanceRepository:
        """Conditional rewrites and batch deletes of lake objects (erasure, retention)."""
        from touchpoint.storage.lake_maintenance import LakeMaintenanceRepository

        return LakeMaintenanceRepository(self.clients.s3, self.settings.lake_bucket)

    @cached_property
    def privacy_records(self) -> PrivacyRecordRepository:
        """A person's responses and guards (erasure, export) and expired responses (retention)."""
        from touchpoint.storage.privacy_records import PrivacyRecordRepository

        return PrivacyRecordRepository(self.clients.dynamodb, self.settings.responses_table)

    @cached_property
    def privacy_state(self) -> PrivacyStateRepository:
        """Privacy audit log, pending erasure jobs and retention watermarks (state table)."""
        from touchpoint.storage.privacy_state import PrivacyStateRepository

        return PrivacyStateRepository(self.clients.dynamodb, self.settings.state_table)

    @cached_property
    def notifications(self) -> NotificationRepository:
        """Notification rules, per-answer deliveries and digest state."""
        from touchpoint.storage.notifications import NotificationRepository

        return NotificationRepository(
            self.clients.dynamodb, self.settings.config_table, self.settings.state_table
        )

    @cached_property
    def notification_queue(self) -> NotificationQueue:
        """The SQS queue notification deliveries wait in."""
        from touchpoint.storage.notification_queue import NotificationQueue

        return NotificationQueue(
            cast("SqsClient", self.clients.sqs),
            self.settings.notifications_queue_url,
            self.settings.notifications_queue_name,
        )

    @cached_property
    def cases(self) -> CaseRepository:
        """Follow-up cases, their entries, the case rules and announcements (cases table)."""
        from touchpoint.storage.cases import CaseRepository

        return CaseRepository(self.clients.dynamodb, self.settings.cases_table)

    @cached_property
    def announcements(self) -> AnnouncementRepository:
        """Announcements ("you said, we did") and their recipients (cases table)."""
        from touchpoint.storage.cases import AnnouncementRepository

        return AnnouncementRepository(self.clients.dynamodb, self.settings.cases_table)


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    """The runtime of this process (created on first call)."""
    return Runtime(get_settings())


def reset_runtime() -> None:
    """Forget the cached runtime and settings (tests and the local stack)."""
    from touchpoint.settings import reset_settings_cache

    reset_settings_cache()
    get_runtime.cache_clear()
