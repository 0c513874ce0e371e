"""The registry's schema: hospitals, their keys and upload tokens, the bundles taken in with their findings and
documents indexed, the trail heads anchored, and the registry's own hash-chained action log.

History is never overwritten: a key is rotated or revoked by recording when (set once, with a KeyEvent row
saying who and why), a bundle is one immutable row per manifest digest, an anchor is one row per head.
Bundles' bytes live in content-addressed storage (Django's storage API: a folder, or an object store for a
worker pool); the rows index what the queries need.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Hospital(models.Model):
    """An internet hospital enrolled with the regulator (its identifiers as registered, never from a bundle)."""

    name = models.CharField("名称 name", max_length=200)
    uscc = models.CharField("统一社会信用代码 unified social credit code", max_length=18, unique=True)
    licence = models.CharField("执业许可证号 practice licence number", max_length=64, blank=True)
    city = models.CharField("城市 city", max_length=64, db_index=True)
    registered_on = models.DateField("执业登记日期 practice registration date", null=True, blank=True)
    enrolled_at = models.DateTimeField(auto_now_add=True)
    latest_bundle = models.ForeignKey("Bundle", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                      help_text="the verified bundle signed last (kept for the province query)")

    class Meta:
        ordering = ("city", "name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class SigningKey(models.Model):
    """One enrolled key pair (Ed25519 + SM2 fingerprints) and the period it may sign in.

    A bundle is accepted under this key when it was signed within [valid_from, valid_until) and before the key
    was retired by a rotation; a revoked key accepts nothing (revocation means the key may be in other hands, so
    the signing time a bundle claims cannot be trusted)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="keys")
    ed25519 = models.CharField(max_length=80, unique=True)
    sm2 = models.CharField(max_length=80, unique=True)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, help_text="set once, by a rotation")
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="set once, by a revocation")
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("hospital_id", "valid_from",)

    def __str__(self) -> str:
        return f"{self.ed25519} / {self.sm2}"

    def fingerprints(self) -> set[str]:
        return {self.ed25519, self.sm2}


class KeyEvent(models.Model):
    """enrol / rotate / revoke, as it happened: the record rotation and revocation never overwrite."""

    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=(("enrol", "enrol"), ("rotate", "rotate"), ("revoke", "revoke")))
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ("at", "id",)


class UploadToken(models.Model):
    """A hospital's upload credential: only its SHA-256 is kept; it can upload for this hospital and nothing else."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="the first characters, to tell tokens apart")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)


class Bundle(models.Model):
    """One verified bundle, identified by the SHA-256 of its signed manifest (the same bundle twice is one row)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="bundles")
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="bundles")
    digest = models.CharField("manifest SHA-256", max_length=64, unique=True)
    blob = models.CharField("stored archive name", max_length=100)
    size = models.BigIntegerField()
    files = models.IntegerField()
    signed_at = models.DateTimeField(db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=16)  # http, cli, drop
    catalogue_version = models.CharField(max_length=64, db_index=True)
    catalogue_sha256 = models.CharField(max_length=64)
    tool_version = models.CharField(max_length=64, blank=True)
    rules = models.JSONField(default=dict, help_text="rule id → verdict")
    counts = models.JSONField(default=dict, help_text="verdict → number of rules")
    worst = models.CharField(max_length=16)
    trail_head = models.CharField(max_length=64, blank=True)
    trail_last_seq = models.BigIntegerField(null=True, blank=True)
    warnings = models.JSONField(default=list)

    class Meta:
        ordering = ("hospital_id", "signed_at",)
        indexes = (models.Index(fields=["hospital", "signed_at"]),)


class Finding(models.Model):
    """A finding of a bundle, indexed for "which hospitals fail this rule" and the evidence drill-down."""

    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="findings")
    index = models.IntegerField(help_text="its position in the bundle's findings.json")
    rule_id = models.CharField(max_length=80)
    verdict = models.CharField(max_length=16)
    hosts = models.JSONField(default=list)
    reason = models.TextField(blank=True)
    observations = models.JSONField(default=list, help_text="observation ids the finding cites")
    # How its evidence is known (checker.model.Basis: observed, declared, attested, simulated), every basis its
    # statements rest on, sorted and comma-joined ("attested,observed"); empty when it cites no evidence. A pass
    # resting on a document is attested, not observed. Kept at intake so that a rule across the province is
    # one query, not its hospitals' bundles opened again.
    basis = models.CharField(max_length=48, blank=True)

    class Meta:
        ordering = ("bundle_id", "index",)
        indexes = (models.Index(fields=["rule_id", "verdict"]), models.Index(fields=["bundle", "rule_id"]))


class Document(models.Model):
    """A document a bundle carried (attested by the hospital), for expiry deadlines."""

    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="documents")
    file = models.CharField(max_length=255)
    items = models.JSONField(default=list)
    title = models.CharField(max_length=255, blank=True)
    issued = models.DateField(null=True, blank=True)
    expires = models.DateField(null=True, blank=True, db_index=True)
    # the last submission to the platform: the yearly MLPS scans are due again a year after it (GD2020 三.2(4))
    submitted = models.DateField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)


class TrailAnchor(models.Model):
    """A head of a hospital's audit trail, as submitted signed (`ihcheck trail head`) or carried in a bundle.

    `extends` says whether it was shown to continue the previous anchor: True (the records between were
    verified, or it is the same head), False (flagged: the trail was rewritten or cut), None (not provable
    from what was sent, e.g. a bundle's head further on than the last anchor)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="anchors")
    head = models.CharField(max_length=64)
    records = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    stated_at = models.DateTimeField(help_text="when the hospital signed it")
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=16)  # head, bundle
    bundle = models.ForeignKey(Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="anchors")
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    extends = models.BooleanField(null=True)
    problem = models.TextField(blank=True)
    statement = models.JSONField(default=dict, help_text="the signed head statement as received")

    class Meta:
        ordering = ("hospital_id", "id",)


class Action(models.Model):
    """The registry's own log, one record a row, each stored as its exact line of ihcheck's trail format
    (probes.trail): exported as a file, `ihcheck trail verify` checks it."""

    seq = models.BigIntegerField(unique=True)
    prev = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    line = models.BinaryField()
    at = models.DateTimeField(db_index=True)
    event = models.CharField(max_length=32, db_index=True)
    actor = models.CharField(max_length=150)
    hospital = models.ForeignKey(Hospital, null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ("seq",)
        # the overview asks, for every hospital, whether an upload was refused after its latest bundle
        indexes = (models.Index(fields=["hospital", "event", "at"]),)


class UploadAttempt(models.Model):
    """One upload seen per token and time, for the rate limit (shared by every worker through the database)."""

    token = models.ForeignKey(UploadToken, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(db_index=True)


ROLE_ADMINISTRATOR = "administrator"
ROLE_INSPECTOR = "inspector"
ROLES = (ROLE_ADMINISTRATOR, ROLE_INSPECTOR)
AUTH_USER = settings.AUTH_USER_MODEL
