import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LegalPersonKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEGAL_PERSON_KIND_UNSPECIFIED: _ClassVar[LegalPersonKind]
    LEGAL_PERSON_KIND_NGO: _ClassVar[LegalPersonKind]
    LEGAL_PERSON_KIND_COMPANY: _ClassVar[LegalPersonKind]
    LEGAL_PERSON_KIND_OTHER: _ClassVar[LegalPersonKind]

class DraftKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRAFT_KIND_UNSPECIFIED: _ClassVar[DraftKind]
    DRAFT_KIND_REGULATION: _ClassVar[DraftKind]
    DRAFT_KIND_CIRCULAR: _ClassVar[DraftKind]
    DRAFT_KIND_BY_LAW: _ClassVar[DraftKind]
    DRAFT_KIND_BILL: _ClassVar[DraftKind]
    DRAFT_KIND_BOARD_RESOLUTION: _ClassVar[DraftKind]

class ParticipationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARTICIPATION_TYPE_UNSPECIFIED: _ClassVar[ParticipationType]
    PARTICIPATION_TYPE_SURVEY: _ClassVar[ParticipationType]
    PARTICIPATION_TYPE_VOTE: _ClassVar[ParticipationType]

class ConsultationPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSULTATION_PHASE_UNSPECIFIED: _ClassVar[ConsultationPhase]
    CONSULTATION_PHASE_REQUESTED: _ClassVar[ConsultationPhase]
    CONSULTATION_PHASE_SCHEDULED: _ClassVar[ConsultationPhase]
    CONSULTATION_PHASE_OPEN: _ClassVar[ConsultationPhase]
    CONSULTATION_PHASE_CLOSED: _ClassVar[ConsultationPhase]
    CONSULTATION_PHASE_FINALISED: _ClassVar[ConsultationPhase]

class VoteChoice(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOTE_CHOICE_UNSPECIFIED: _ClassVar[VoteChoice]
    VOTE_CHOICE_AGREE: _ClassVar[VoteChoice]
    VOTE_CHOICE_DISAGREE: _ClassVar[VoteChoice]
    VOTE_CHOICE_ABSTAIN: _ClassVar[VoteChoice]

class AgeBand(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AGE_BAND_UNSPECIFIED: _ClassVar[AgeBand]
    AGE_BAND_18_29: _ClassVar[AgeBand]
    AGE_BAND_30_44: _ClassVar[AgeBand]
    AGE_BAND_45_59: _ClassVar[AgeBand]
    AGE_BAND_60_PLUS: _ClassVar[AgeBand]

class Gender(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENDER_UNSPECIFIED: _ClassVar[Gender]
    GENDER_FEMALE: _ClassVar[Gender]
    GENDER_MALE: _ClassVar[Gender]
    GENDER_UNSTATED: _ClassVar[Gender]

class SuggestionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUGGESTION_OUTCOME_UNSPECIFIED: _ClassVar[SuggestionOutcome]
    SUGGESTION_OUTCOME_PENDING: _ClassVar[SuggestionOutcome]
    SUGGESTION_OUTCOME_ACCEPTED: _ClassVar[SuggestionOutcome]
    SUGGESTION_OUTCOME_REJECTED: _ClassVar[SuggestionOutcome]
LEGAL_PERSON_KIND_UNSPECIFIED: LegalPersonKind
LEGAL_PERSON_KIND_NGO: LegalPersonKind
LEGAL_PERSON_KIND_COMPANY: LegalPersonKind
LEGAL_PERSON_KIND_OTHER: LegalPersonKind
DRAFT_KIND_UNSPECIFIED: DraftKind
DRAFT_KIND_REGULATION: DraftKind
DRAFT_KIND_CIRCULAR: DraftKind
DRAFT_KIND_BY_LAW: DraftKind
DRAFT_KIND_BILL: DraftKind
DRAFT_KIND_BOARD_RESOLUTION: DraftKind
PARTICIPATION_TYPE_UNSPECIFIED: ParticipationType
PARTICIPATION_TYPE_SURVEY: ParticipationType
PARTICIPATION_TYPE_VOTE: ParticipationType
CONSULTATION_PHASE_UNSPECIFIED: ConsultationPhase
CONSULTATION_PHASE_REQUESTED: ConsultationPhase
CONSULTATION_PHASE_SCHEDULED: ConsultationPhase
CONSULTATION_PHASE_OPEN: ConsultationPhase
CONSULTATION_PHASE_CLOSED: ConsultationPhase
CONSULTATION_PHASE_FINALISED: ConsultationPhase
VOTE_CHOICE_UNSPECIFIED: VoteChoice
VOTE_CHOICE_AGREE: VoteChoice
VOTE_CHOICE_DISAGREE: VoteChoice
VOTE_CHOICE_ABSTAIN: VoteChoice
AGE_BAND_UNSPECIFIED: AgeBand
AGE_BAND_18_29: AgeBand
AGE_BAND_30_44: AgeBand
AGE_BAND_45_59: AgeBand
AGE_BAND_60_PLUS: AgeBand
GENDER_UNSPECIFIED: Gender
GENDER_FEMALE: Gender
GENDER_MALE: Gender
GENDER_UNSTATED: Gender
SUGGESTION_OUTCOME_UNSPECIFIED: SuggestionOutcome
SUGGESTION_OUTCOME_PENDING: SuggestionOutcome
SUGGESTION_OUTCOME_ACCEPTED: SuggestionOutcome
SUGGESTION_OUTCOME_REJECTED: SuggestionOutcome

class OnBehalfOf(_message.Message):
    __slots__ = ("national_id", "kind")
    NATIONAL_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    national_id: str
    kind: LegalPersonKind
    def __init__(self, national_id: _Optional[str] = ..., kind: _Optional[_Union[LegalPersonKind, str]] = ...) -> None: ...

class DraftVersion(_message.Message):
    __slots__ = ("version", "document", "changes", "published_at", "published_at_jalali", "comments")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    version: int
    document: Document
    changes: _containers.RepeatedCompositeFieldContainer[KeyConcern]
    published_at: _timestamp_pb2.Timestamp
    published_at_jalali: str
    comments: int
    def __init__(self, version: _Optional[int] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[KeyConcern, _Mapping]]] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_at_jalali: _Optional[str] = ..., comments: _Optional[int] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("sha256", "url")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    sha256: str
    url: str
    def __init__(self, sha256: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class Demographics(_message.Message):
    __slots__ = ("consent", "age_band", "gender", "province")
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    AGE_BAND_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    PROVINCE_FIELD_NUMBER: _ClassVar[int]
    consent: bool
    age_band: AgeBand
    gender: Gender
    province: str
    def __init__(self, consent: _Optional[bool] = ..., age_band: _Optional[_Union[AgeBand, str]] = ..., gender: _Optional[_Union[Gender, str]] = ..., province: _Optional[str] = ...) -> None: ...

class KeyConcern(_message.Message):
    __slots__ = ("fa", "en")
    FA_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    fa: str
    en: str
    def __init__(self, fa: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("number", "text", "article", "outcome", "reason", "at", "at_jalali", "legal_basis", "draft_version", "on_behalf_of")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    number: int
    text: str
    article: str
    outcome: SuggestionOutcome
    reason: str
    at: _timestamp_pb2.Timestamp
    at_jalali: str
    legal_basis: str
    draft_version: int
    on_behalf_of: OnBehalfOf
    def __init__(self, number: _Optional[int] = ..., text: _Optional[str] = ..., article: _Optional[str] = ..., outcome: _Optional[_Union[SuggestionOutcome, str]] = ..., reason: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_jalali: _Optional[str] = ..., legal_basis: _Optional[str] = ..., draft_version: _Optional[int] = ..., on_behalf_of: _Optional[_Union[OnBehalfOf, _Mapping]] = ...) -> None: ...

class Consultation(_message.Message):
    __slots__ = ("tracking_code", "agency", "unit", "kind", "participation_type", "phase", "title_fa", "title_en", "summary_fa", "summary_en", "draft", "opens_at", "opens_at_jalali", "closes_at", "closes_at_jalali", "minimum_days", "participants", "comments", "votes", "suggestions", "key_concerns", "final_version", "finalised_at", "finalised_at_jalali", "draft_version", "versions")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FA_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_EN_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_DAYS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    KEY_CONCERNS_FIELD_NUMBER: _ClassVar[int]
    FINAL_VERSION_FIELD_NUMBER: _ClassVar[int]
    FINALISED_AT_FIELD_NUMBER: _ClassVar[int]
    FINALISED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    DRAFT_VERSION_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    agency: str
    unit: str
    kind: DraftKind
    participation_type: ParticipationType
    phase: ConsultationPhase
    title_fa: str
    title_en: str
    summary_fa: str
    summary_en: str
    draft: Document
    opens_at: _timestamp_pb2.Timestamp
    opens_at_jalali: str
    closes_at: _timestamp_pb2.Timestamp
    closes_at_jalali: str
    minimum_days: int
    participants: int
    comments: int
    votes: int
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    key_concerns: _containers.RepeatedCompositeFieldContainer[KeyConcern]
    final_version: Document
    finalised_at: _timestamp_pb2.Timestamp
    finalised_at_jalali: str
    draft_version: int
    versions: _containers.RepeatedCompositeFieldContainer[DraftVersion]
    def __init__(self, tracking_code: _Optional[str] = ..., agency: _Optional[str] = ..., unit: _Optional[str] = ..., kind: _Optional[_Union[DraftKind, str]] = ..., participation_type: _Optional[_Union[ParticipationType, str]] = ..., phase: _Optional[_Union[ConsultationPhase, str]] = ..., title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., summary_fa: _Optional[str] = ..., summary_en: _Optional[str] = ..., draft: _Optional[_Union[Document, _Mapping]] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opens_at_jalali: _Optional[str] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at_jalali: _Optional[str] = ..., minimum_days: _Optional[int] = ..., participants: _Optional[int] = ..., comments: _Optional[int] = ..., votes: _Optional[int] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., key_concerns: _Optional[_Iterable[_Union[KeyConcern, _Mapping]]] = ..., final_version: _Optional[_Union[Document, _Mapping]] = ..., finalised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finalised_at_jalali: _Optional[str] = ..., draft_version: _Optional[int] = ..., versions: _Optional[_Iterable[_Union[DraftVersion, _Mapping]]] = ...) -> None: ...

class RequestConsultationRequest(_message.Message):
    __slots__ = ("unit", "kind", "participation_type")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    unit: str
    kind: DraftKind
    participation_type: ParticipationType
    def __init__(self, unit: _Optional[str] = ..., kind: _Optional[_Union[DraftKind, str]] = ..., participation_type: _Optional[_Union[ParticipationType, str]] = ...) -> None: ...

class RequestConsultationResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class PublishDraftRequest(_message.Message):
    __slots__ = ("tracking_code", "title_fa", "title_en", "summary_fa", "summary_en", "document", "opens_on", "closes_on")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FA_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_EN_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    OPENS_ON_FIELD_NUMBER: _ClassVar[int]
    CLOSES_ON_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    title_fa: str
    title_en: str
    summary_fa: str
    summary_en: str
    document: Document
    opens_on: str
    closes_on: str
    def __init__(self, tracking_code: _Optional[str] = ..., title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., summary_fa: _Optional[str] = ..., summary_en: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., opens_on: _Optional[str] = ..., closes_on: _Optional[str] = ...) -> None: ...

class PublishDraftResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class SubmitCommentRequest(_message.Message):
    __slots__ = ("tracking_code", "identity_token", "text", "article", "demographics", "on_behalf_of")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ARTICLE_FIELD_NUMBER: _ClassVar[int]
    DEMOGRAPHICS_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    identity_token: str
    text: str
    article: str
    demographics: Demographics
    on_behalf_of: OnBehalfOf
    def __init__(self, tracking_code: _Optional[str] = ..., identity_token: _Optional[str] = ..., text: _Optional[str] = ..., article: _Optional[str] = ..., demographics: _Optional[_Union[Demographics, _Mapping]] = ..., on_behalf_of: _Optional[_Union[OnBehalfOf, _Mapping]] = ...) -> None: ...

class SubmitCommentResponse(_message.Message):
    __slots__ = ("tracking_code", "suggestion_number", "participant")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    suggestion_number: int
    participant: str
    def __init__(self, tracking_code: _Optional[str] = ..., suggestion_number: _Optional[int] = ..., participant: _Optional[str] = ...) -> None: ...

class CastVoteRequest(_message.Message):
    __slots__ = ("tracking_code", "identity_token", "choice", "demographics", "on_behalf_of")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    DEMOGRAPHICS_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    identity_token: str
    choice: VoteChoice
    demographics: Demographics
    on_behalf_of: OnBehalfOf
    def __init__(self, tracking_code: _Optional[str] = ..., identity_token: _Optional[str] = ..., choice: _Optional[_Union[VoteChoice, str]] = ..., demographics: _Optional[_Union[Demographics, _Mapping]] = ..., on_behalf_of: _Optional[_Union[OnBehalfOf, _Mapping]] = ...) -> None: ...

class CastVoteResponse(_message.Message):
    __slots__ = ("tracking_code", "participant")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    participant: str
    def __init__(self, tracking_code: _Optional[str] = ..., participant: _Optional[str] = ...) -> None: ...

class DecideSuggestionRequest(_message.Message):
    __slots__ = ("tracking_code", "number", "accepted", "reason", "legal_basis")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    number: int
    accepted: bool
    reason: str
    legal_basis: str
    def __init__(self, tracking_code: _Optional[str] = ..., number: _Optional[int] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ..., legal_basis: _Optional[str] = ...) -> None: ...

class DecideSuggestionResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class RecordKeyConcernsRequest(_message.Message):
    __slots__ = ("tracking_code", "key_concerns")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    KEY_CONCERNS_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    key_concerns: _containers.RepeatedCompositeFieldContainer[KeyConcern]
    def __init__(self, tracking_code: _Optional[str] = ..., key_concerns: _Optional[_Iterable[_Union[KeyConcern, _Mapping]]] = ...) -> None: ...

class RecordKeyConcernsResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class PublishFinalVersionRequest(_message.Message):
    __slots__ = ("tracking_code", "document")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    document: Document
    def __init__(self, tracking_code: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ...) -> None: ...

class PublishFinalVersionResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class GetConsultationRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetConsultationResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class TableRow(_message.Message):
    __slots__ = ("row", "tracking_code", "agency", "title_fa", "title_en", "draft", "period_jalali", "opens_at", "closes_at", "participation_type", "final_version", "kind")
    ROW_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FA_FIELD_NUMBER: _ClassVar[int]
    TITLE_EN_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_JALALI_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    PARTICIPATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    FINAL_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    row: int
    tracking_code: str
    agency: str
    title_fa: str
    title_en: str
    draft: Document
    period_jalali: str
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    participation_type: ParticipationType
    final_version: Document
    kind: DraftKind
    def __init__(self, row: _Optional[int] = ..., tracking_code: _Optional[str] = ..., agency: _Optional[str] = ..., title_fa: _Optional[str] = ..., title_en: _Optional[str] = ..., draft: _Optional[_Union[Document, _Mapping]] = ..., period_jalali: _Optional[str] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., participation_type: _Optional[_Union[ParticipationType, str]] = ..., final_version: _Optional[_Union[Document, _Mapping]] = ..., kind: _Optional[_Union[DraftKind, str]] = ...) -> None: ...

class ListConsultationsRequest(_message.Message):
    __slots__ = ("agency",)
    AGENCY_FIELD_NUMBER: _ClassVar[int]
    agency: str
    def __init__(self, agency: _Optional[str] = ...) -> None: ...

class ListConsultationsResponse(_message.Message):
    __slots__ = ("rows", "markdown")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[TableRow]
    markdown: str
    def __init__(self, rows: _Optional[_Iterable[_Union[TableRow, _Mapping]]] = ..., markdown: _Optional[str] = ...) -> None: ...

class VoteTally(_message.Message):
    __slots__ = ("agree", "disagree", "abstain")
    AGREE_FIELD_NUMBER: _ClassVar[int]
    DISAGREE_FIELD_NUMBER: _ClassVar[int]
    ABSTAIN_FIELD_NUMBER: _ClassVar[int]
    agree: int
    disagree: int
    abstain: int
    def __init__(self, agree: _Optional[int] = ..., disagree: _Optional[int] = ..., abstain: _Optional[int] = ...) -> None: ...

class ConsultationReport(_message.Message):
    __slots__ = ("tracking_code", "participants", "participants_by_age_band", "participants_by_gender", "participants_by_province", "comments", "votes", "key_concerns", "suggestions", "accepted", "rejected", "pending", "json", "markdown", "versions", "participants_by_person_kind")
    class ParticipantsByAgeBandEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ParticipantsByGenderEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ParticipantsByProvinceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ParticipantsByPersonKindEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_BY_AGE_BAND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_BY_GENDER_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_BY_PROVINCE_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    KEY_CONCERNS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    MARKDOWN_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_BY_PERSON_KIND_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    participants: int
    participants_by_age_band: _containers.ScalarMap[str, int]
    participants_by_gender: _containers.ScalarMap[str, int]
    participants_by_province: _containers.ScalarMap[str, int]
    comments: int
    votes: VoteTally
    key_concerns: _containers.RepeatedCompositeFieldContainer[KeyConcern]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    accepted: int
    rejected: int
    pending: int
    json: str
    markdown: str
    versions: _containers.RepeatedCompositeFieldContainer[DraftVersion]
    participants_by_person_kind: _containers.ScalarMap[str, int]
    def __init__(self, tracking_code: _Optional[str] = ..., participants: _Optional[int] = ..., participants_by_age_band: _Optional[_Mapping[str, int]] = ..., participants_by_gender: _Optional[_Mapping[str, int]] = ..., participants_by_province: _Optional[_Mapping[str, int]] = ..., comments: _Optional[int] = ..., votes: _Optional[_Union[VoteTally, _Mapping]] = ..., key_concerns: _Optional[_Iterable[_Union[KeyConcern, _Mapping]]] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., pending: _Optional[int] = ..., json: _Optional[str] = ..., markdown: _Optional[str] = ..., versions: _Optional[_Iterable[_Union[DraftVersion, _Mapping]]] = ..., participants_by_person_kind: _Optional[_Mapping[str, int]] = ...) -> None: ...

class GetConsultationReportRequest(_message.Message):
    __slots__ = ("tracking_code",)
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    def __init__(self, tracking_code: _Optional[str] = ...) -> None: ...

class GetConsultationReportResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: ConsultationReport
    def __init__(self, report: _Optional[_Union[ConsultationReport, _Mapping]] = ...) -> None: ...

class IssueCertificateRequest(_message.Message):
    __slots__ = ("tracking_code", "identity_token")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    identity_token: str
    def __init__(self, tracking_code: _Optional[str] = ..., identity_token: _Optional[str] = ...) -> None: ...

class IssueCertificateResponse(_message.Message):
    __slots__ = ("certificate", "key_id", "participant")
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    certificate: bytes
    key_id: str
    participant: str
    def __init__(self, certificate: _Optional[bytes] = ..., key_id: _Optional[str] = ..., participant: _Optional[str] = ...) -> None: ...

class CitizenScore(_message.Message):
    __slots__ = ("rank", "participant", "score", "comments", "accepted_suggestions", "votes", "consultations", "display_name")
    RANK_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    CONSULTATIONS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    rank: int
    participant: str
    score: int
    comments: int
    accepted_suggestions: int
    votes: int
    consultations: int
    display_name: str
    def __init__(self, rank: _Optional[int] = ..., participant: _Optional[str] = ..., score: _Optional[int] = ..., comments: _Optional[int] = ..., accepted_suggestions: _Optional[int] = ..., votes: _Optional[int] = ..., consultations: _Optional[int] = ..., display_name: _Optional[str] = ...) -> None: ...

class GetCitizenRankingRequest(_message.Message):
    __slots__ = ("limit", "identity_token")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    limit: int
    identity_token: str
    def __init__(self, limit: _Optional[int] = ..., identity_token: _Optional[str] = ...) -> None: ...

class GetCitizenRankingResponse(_message.Message):
    __slots__ = ("top", "own")
    TOP_FIELD_NUMBER: _ClassVar[int]
    OWN_FIELD_NUMBER: _ClassVar[int]
    top: _containers.RepeatedCompositeFieldContainer[CitizenScore]
    own: CitizenScore
    def __init__(self, top: _Optional[_Iterable[_Union[CitizenScore, _Mapping]]] = ..., own: _Optional[_Union[CitizenScore, _Mapping]] = ...) -> None: ...

class ReviseDraftRequest(_message.Message):
    __slots__ = ("tracking_code", "document", "changes")
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    tracking_code: str
    document: Document
    changes: _containers.RepeatedCompositeFieldContainer[KeyConcern]
    def __init__(self, tracking_code: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[KeyConcern, _Mapping]]] = ...) -> None: ...

class ReviseDraftResponse(_message.Message):
    __slots__ = ("consultation",)
    CONSULTATION_FIELD_NUMBER: _ClassVar[int]
    consultation: Consultation
    def __init__(self, consultation: _Optional[_Union[Consultation, _Mapping]] = ...) -> None: ...

class SetRankingNameRequest(_message.Message):
    __slots__ = ("identity_token", "display_name")
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    identity_token: str
    display_name: str
    def __init__(self, identity_token: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class SetRankingNameResponse(_message.Message):
    __slots__ = ("participant",)
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    participant: str
    def __init__(self, participant: _Optional[str] = ...) -> None: ...

class FollowDecisionsRequest(_message.Message):
    __slots__ = ("identity_token", "after_position")
    IDENTITY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    identity_token: str
    after_position: int
    def __init__(self, identity_token: _Optional[str] = ..., after_position: _Optional[int] = ...) -> None: ...

class FollowDecisionsResponse(_message.Message):
    __slots__ = ("position", "tracking_code", "suggestion_number", "accepted", "reason", "legal_basis", "decided_at", "decided_at_jalali")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TRACKING_CODE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LEGAL_BASIS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_JALALI_FIELD_NUMBER: _ClassVar[int]
    position: int
    tracking_code: str
    suggestion_number: int
    accepted: bool
    reason: str
    legal_basis: str
    decided_at: _timestamp_pb2.Timestamp
    decided_at_jalali: str
    def __init__(self, position: _Optional[int] = ..., tracking_code: _Optional[str] = ..., suggestion_number: _Optional[int] = ..., accepted: _Optional[bool] = ..., reason: _Optional[str] = ..., legal_basis: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_at_jalali: _Optional[str] = ...) -> None: ...

class ConfigurePolicyRequest(_message.Message):
    __slots__ = ("parents", "minimum_days")
    class ParentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MinimumDaysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_DAYS_FIELD_NUMBER: _ClassVar[int]
    parents: _containers.ScalarMap[str, str]
    minimum_days: _containers.ScalarMap[str, int]
    def __init__(self, parents: _Optional[_Mapping[str, str]] = ..., minimum_days: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ConfigurePolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class GetPolicyRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPolicyResponse(_message.Message):
    __slots__ = ("policy",)
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ("parents", "minimum_days", "version", "changed_by", "changed_at")
    class ParentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class MinimumDaysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_DAYS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    parents: _containers.ScalarMap[str, str]
    minimum_days: _containers.ScalarMap[str, int]
    version: int
    changed_by: str
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, parents: _Optional[_Mapping[str, str]] = ..., minimum_days: _Optional[_Mapping[str, int]] = ..., version: _Optional[int] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
