"""Hand-written recognition rules, one named rule per pattern.

Each rule belongs to one category and is run only when one of its trigger words occurs in the
clause (cheap gating keeps whole-document extraction fast). ``kind`` says what a match means:

- ``"u"``  evidence for the category that leans unfair to the user (CLAUDETTE degree 2/3);
- ``"n"``  evidence for the category, neutral;
- ``"f"``  evidence for the category that leans fair (an opt-out, a carve-out, a consumer forum);
- ``"neg"`` the clause states the unfavourable provision does not apply ("there is no
  arbitration", "credits never expire", "we will not train on your content");
- ``"x"``  evidence against the category: the wording looks like it but is about something else
  (a ban on users training models on outputs is not the provider training on user content, nor a
  promise not to train). The category's other rules are then ignored.

``weight`` is the strength of the evidence (0..1). A rule of at least ``classify.MIN_RULE_WEIGHT``
is enough on its own; weaker rules only support other evidence (the model, the heading, another
rule). Patterns are matched against the lower-cased clause text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "RULES_BY_TRIGGER"]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    kind: str  # "u" | "n" | "f" | "neg" | "x"
    weight: float
    triggers: frozenset[str]
    pattern: re.Pattern[str]


# What users put in or get out of an AI service.
_C = (
    r"(?:content|inputs?|prompts?|outputs?|materials?|conversations?|chats?|data|submissions?|"
    r"uploads?|files?|images?|generations?|creations?|assets|messages?|interactions?|feedback)"
)
# User content: "your data", "customer content", "the content you share", and the AI words that
# are the user's by nature (inputs, prompts, outputs, conversations, chats).
_UC = (
    rf"(?:(?:your|user|users[’']?|customer|customer[’']s|customers[’']?|business|end user) "
    rf"(?:[\w’'-]+ ){{0,2}}?{_C}|(?:inputs?|prompts?|outputs?|conversations?|chats?|completions|"
    rf"interactions)|(?:the |any )?{_C} (?:that )?(?:you|users?|customers?) (?:\w+ )?(?:provide|"
    rf"share|submit|upload|input|enter|create|generate|send|make)\w*|{_C} (?:from|of|provided by) (?:\w+ )?"
    r"(?:users|customers|you)\b)"
)
_NEG = r"(?:not|never|n[’']t|no longer)"
# contracted negations: "won't", "don't", "isn't", ...
_NEG_AUX = r"(?:won|don|doesn|isn|aren|wouldn|shan|can|didn|wasn|weren)[’']t"
# Who may act: the provider ("we", "the company", a name) but not the user or the agreement.
_NOT_PROVIDER = (
    r"you|your|users?|customers?|subscribers?|members?|licensees?|developers?|either|each|both|"
    r"neither|it|they|this|these|that|which|who|agreement|terms|accounts?|subscriptions?|party|"
    r"parties|services?|licen[cs]e|access|and|or|the|a|an|any|such|all|if|when|payments?|fees?|"
    r"credits?|nothing|no|not|cancellation|termination|suspension|changes?|notice|period|plan|users?|"
    r"administrators?|admins?|owners?|it|there|such"
)
_PROV = rf"(?:we|the company|either party|each party|(?!(?:{_NOT_PROVIDER})\b)[a-z][\w&’'-]*)"
_ADVERB = r"(?:(?:also|further|additionally|immediately|then|reasonably|alone)\s+)?"
_MODAL = (
    r"(?:may|can|will|might|shall|reserves? the right to|retains? the right to|ha(?:s|ve) the right to|"
    r"(?:is|are) entitled to)"
)
# "<the provider> may ...": the lookahead first checks cheaply that a modal follows the word, so
# the long exclusion list of _PROV is only tried there
_PROV_MAY = rf"\b(?=(?:either party|each party|[a-z][\w&’'-]*)\s+{_ADVERB}{_MODAL}\b){_PROV}\s+{_ADVERB}{_MODAL}\b"
_USER = r"(?:you|users?|customers?|subscribers?|members?|licensees?|developers?|end users?)"
# A list item's marker ("(a) ", "3. ", "iv) ") and optional bold lead, at the start of a clause.
_ITEM = (
    r"^\W{0,3}(?:\(?(?:[a-z]{1,2}|[ivx]{1,5}|\d{1,3}(?:\.\d{1,3})*)\\?[.)]\s*|\d{1,3}(?:\.\d{1,3})+\s+)?"
    r"(?:\*\*[^*]{0,60}\*\*\s*)?"
)
# what content moderation acts on
_CR = (
    r"(?:content|posts?|materials?|submissions?|uploads?|videos?|comments?|listings?|reviews?|prompts?|"
    r"outputs?|creations|images|playlists?)"
)
_OUT = (
    r"(?:outputs?|generations?|creations|results|completions|suggestions|responses|generated "
    r"(?:content|images?|outputs?|works?|code|media)|ai[- ]generated \w+|(?:images?|videos?|works?|"
    r"assets|content) (?:that )?you (?:create|generate|make)|generative \w+)"
)

# (id, category, kind, weight, triggers, pattern)
# fmt: off
_SPEC: list[tuple[str, str, str, float, str, str]] = [
    # ------------------------------------------------------------ commercial
    (
        "conc_parallel",
        "concurrency_limit",
        "n",
        0.85,
        "concurrent concurrently concurrency simultaneous simultaneously parallel once time",
        r"\b(?:concurren(?:t|cy|tly)|simultaneous(?:ly)?|in parallel|at (?:the same time|once|a time))\b.{0,80}"
        r"\b(?:jobs?|generations?|requests?|tasks?|runs?|predictions?|sessions?|renders?|queues?|"
        r"images?|videos?|streams?|connections?|workers?|gpus?)\b|\b(?:jobs?|generations?|requests?|tasks?|"
        r"predictions?|sessions?|renders?|connections?|workers?|gpus?)\b.{0,60}\b(?:concurren(?:t|cy|tly)|"
        r"simultaneous(?:ly)?|in parallel|at (?:the same time|once|a time))\b",
    ),
    (
        "rate_limit_term",
        "rate_limit",
        "n",
        0.9,
        "rate throttle throttling throttled",
        r"\brate[- ]limit|\bthrottl\w+",
    ),
    (
        "rate_per_unit",
        "rate_limit",
        "n",
        0.75,
        "per second minute hour day month",
        r"\b(?:requests?|calls?|queries|tokens?|messages?|generations?|images?|prompts?)\s+(?:per|a|an|each)\s+"
        r"(?:second|minute|hour|day|month)\b",
    ),
    (
        "rate_quota",
        "rate_limit",
        "n",
        0.7,
        "quota quotas usage limits caps fair spend spending",
        r"\bquotas?\b|\b(?:usage|spend(?:ing)?|token|request) (?:limits?|caps?|tiers?|thresholds?)\b|\bfair[- ]use\b"
        r"|\b(?:limit|restrict|cap)\w* (?:on )?(?:the |your )?(?:number|volume|amount) of (?:requests|calls|"
        r"messages|generations|queries|api calls|prompts|tokens)",
    ),
    (
        "credit_expire",
        "credit_expiry",
        "u",
        0.9,
        "expire expires expired expiry expiration forfeit forfeited forfeiture void voided lapse lapses valid",
        r"\b(?:credits?|balances?|prepaid|tokens?|points|payments?|funds?|gift cards?)\b.{0,120}"
        r"\b(?:expire[sd]?|expir(?:y|ation)|forfeit\w*|voided|lapses?|valid for)\b|\b(?:expire[sd]?|expir(?:y|ation)|"
        r"forfeit\w*)\b.{0,80}\b(?:credits?|prepaid|balance|tokens?)\b",
    ),
    (
        "credit_rollover",
        "credit_expiry",
        "u",
        0.85,
        "roll rolled carry carried rollover carryover",
        r"\b(?:roll|carry)(?:ed)?[- ]?over\b|\brollover\b|\bcarryover\b",
    ),
    (
        "credit_never_expire",
        "credit_expiry",
        "neg",
        1.0,
        "expire expiration expiry",
        r"\b(?:never|do not|don't|does not|doesn't|will not|won't|shall not)\s+expire\b|"
        r"\bno expir(?:ation|y)(?: date)?\b|\bdo not have an? expir|\bwithout (?:an? )?expir",
    ),
    (
        "refund_none",
        "refunds",
        "u",
        0.9,
        "refund refunds refundable nonrefundable non final refunded",
        r"\bnon-?refundable\b|\bno refunds?\b|\bnot (?:be )?(?:refunded|refundable|eligible for (?:a )?refund)"
        r"|\brefunds? (?:will|shall) not\b|\b(?:all )?(?:sales|payments|purchases|fees) (?:are|is) final\b"
        r"|\bpurchase is final\b|\bwithout (?:a |any )?refund\b|\bno (?:right to|entitlement to) (?:a )?refund"
        r"|\b(?:receive|get) no refund|\bnot\b[^.;]{0,30}\brefundable\b|\b(?:will|shall|do|does|cannot|can[’']t) "
        r"(?:not )?(?:\w+ )?(?:issue|provide|process|give|offer|grant|make) (?:any )?refunds?\b(?<!can issue refunds)"
        r"|\bnot (?:\w+ )?(?:receive|get|be entitled to|entitle you to|be eligible for) (?:(?:receive|get|"
        r"obtain) )?(?:a |any )?refund",
    ),
    (
        "refund_any",
        "refunds",
        "n",
        0.45,
        "refund refunds refunded refundable",
        r"\brefund\w*",
    ),
    (
        "refund_terms",
        "refunds",
        "n",
        0.6,
        "refund refunds refunded refundable",
        r"\b(?:request|issue|provide|receive|give|offer|grant|make|process|obtain|get|claim)\w* (?:you )?(?:a |an |any "
        r"|the )?(?:full |partial |pro[- ]?rat\w+ |prorated )?refunds?\b|\brefunds? (?:of|for|within|if|when|will|"
        r"shall|may|are|is|upon|on|requests?|to you)\b|\b(?:will|shall|may|can|to) (?:\w+ )?refund\b|\brefund(?:ed|"
        r"able)\b|\brefund (?:\w+ )?(?:you|any|all|the|your|such|unused|prepaid)\b|\brequests? for (?:a )?refunds?\b"
        r"|\b(?:refuse|deny|decline)\w* (?:to )?(?:a |any |the )?refunds?\b|\brefund polic(?:y|ies)\b",
    ),
    (
        "refund_reimburse",
        "refunds",
        "n",
        0.6,
        "reimburse reimbursement reimbursed",
        r"\breimburs\w*\b(?![^.;]{0,150}\b(?:filing|arbitrat\w*|audit\w*|attorney\w*|expenses|costs|monies)\b)"
        r"[^.;]{0,150}\b(?:payments?|subscription|purchase|cancel\w*|withdraw\w*|transaction)\b",
    ),
    (
        "refund_fair",
        "refunds",
        "f",
        0.7,
        "refund withdraw withdrawal cooling cancel cancellation",
        r"\b(?:entitled to|eligible for|you may request|will (?:issue|provide|receive)|receive|request|get) (?:a |an )?"
        r"(?:full |partial |pro[- ]?rat(?:a|ed) )?refund|\breimburse you\b|\bright (?:of|to) withdraw(?!\w* (?:your |its |"
        r"their )?"
        r"consent)|\bright to cancel\b[^.;]{0,60}\b(?:\d+|fourteen)[- ]day|\b(?:14|fourteen)[- ]day (?:cancellation|"
        r"withdrawal|cooling)|\bcooling[- ]off period\b[^.;]{0,80}\brefund",
    ),
    (
        "refund_withdrawal_period",
        "refunds",
        "n",
        0.6,
        "cancellation withdrawal",
        r"\b(?:cancellation|withdrawal) period\b|\bright of withdrawal\b",
    ),
    (
        "auto_renew",
        "auto_renewal",
        "n",
        0.9,
        "automatically auto renew renews renewal renewed autorenew",
        r"\b(?:automatic(?:ally)?|auto)[- ]?renew\w*|\brenew\w* (?:automatically|for (?:an )?additional|"
        r"for successive|at the end of each)|\bunless (?:you )?cancel\w*.{0,60}\brenew|\bnon-?renewal\b|\bavoid "
        r"(?:the )?renewal\b|\bsubscription renewal\b|\bbefore (?:it|they|the subscription|your subscription) "
        r"renews?\b|\bwill (?:automatically )?(?:renew|continue)\b[^.;]{0,60}\bunless (?:you )?cancel",
    ),
    (
        "auto_renewal_term",
        "auto_renewal",
        "n",
        0.45,
        "renewal",
        r"\brenewal (?:terms?|date|period|fees?|charges?|price)\b",
    ),
    (
        "auto_charge_until_cancel",
        "auto_renewal",
        "n",
        0.9,
        "automatically charge charged charges bill billed",
        r"\b(?:charg|bill)\w*\b[^.;]{0,120}\b(?:until|unless) (?:you |the customer )?(?:cancel|terminat|"
        r"turn off|end)\w*|\bautomatically (?:be )?(?:charg|bill)\w*",
    ),
    (
        "auto_recurring",
        "auto_renewal",
        "n",
        0.7,
        "recurring recur",
        r"\brecurring (?:billing|charges?|payments?|subscriptions?|fees?|basis)\b|\bbilled (?:automatically|"
        r"on a recurring)|\b(?:specified|set) to be recurring\b|\bon a recurring basis\b",
    ),
    (
        "auto_user_cancel",
        "auto_renewal",
        "n",
        0.6,
        "cancel cancels cancelled canceled cancellation cancelling canceling",
        r"(?s)^(?!.*\b(?:refund|reimburs|withdraw)\w*).*?(?:\bcancel\w*\b[^.;]{0,30}\b(?:your |the |a |any )?"
        r"(?:paid |monthly |annual |yearly )?subscriptions?\b|\bsubscriptions?\b[^.;]{0,40}\b(?:can|may) be "
        r"cancel+ed\b)",
    ),
    (
        "price_change",
        "price_change",
        "n",
        0.85,
        "change changes changed modify increase increases adjust revise update raise determine prices pricing fees",
        r"\b(?:change|modify|increase|adjust|revise|update|raise|amend)\w*\b[^.;]{0,60}\b(?:prices?|pricing|fees?|"
        r"rates?(?! limit)|charges|subscription (?:fees?|prices?)|credit (?:costs?|prices?))\b|\b(?:prices?|"
        r"pricing|fees?)\b[^.;]{0,80}\b(?:(?:are|is|remain) subject to change|(?:may|can|will|might) (?:\w+ )?"
        r"(?:change|update|increase|adjust|modify|revise)|(?:may|can|will|might) (?:not )?be (?:changed|updated|"
        r"increased|adjusted|modified|revised))\b|\b(?:prices?|pricing|fees?) (?:\w+ )?(?:change|increase)s?\b"
        r"|\b(?:right|discretion) to (?:set|determine|establish) "
        r"(?:the |its |our )?(?:prices?|pricing|fees)\b|\bprice (?:increases?|changes?)\b|\bnew prices?\b",
    ),
    (
        "failed_job",
        "failed_job_billing",
        "u",
        0.85,
        "failed unsuccessful errored cancelled canceled interrupted incomplete timed failure fail fails",
        r"\b(?:charg\w+|bill\w*|fees?|pay|consum\w+|deduct\w*|count\w*|cost)\b.{0,100}\b(?:failed|unsuccessful|"
        r"errored|cancel+ed|interrupted|incomplete|timed[- ]out|fails?|failures?)\b.{0,40}\b(?:jobs?|"
        r"generations?|predictions?|runs?|requests?|renders?|tasks?|attempts?|outputs?)|\b(?:failed|"
        r"unsuccessful|errored|cancel+ed|interrupted|incomplete)\s+(?:jobs?|generations?|predictions?|runs?|"
        r"renders?|tasks?|attempts?)\b.{0,80}\b(?:charg\w+|bill\w*|fees?|consum\w+|deduct\w*|credits?|count)",
    ),
    (
        "failed_regardless",
        "failed_job_billing",
        "u",
        0.75,
        "regardless whether outcome unsatisfactory",
        r"\b(?:charg\w+|bill\w*|credits?|fees?)\b.{0,80}\b(?:regardless of (?:whether|the (?:outcome|result|"
        r"quality|success))|whether or not (?:the )?(?:output|generation|job|result)|even if (?:the |you )?"
        r"(?:output|generation|job|result|are not satisfied))",
    ),
    (
        "failed_not_charged",
        "failed_job_billing",
        "neg",
        1.0,
        "failed unsuccessful errors error fails fail",
        r"\b(?:not|never) (?:be )?(?:charged|billed)\b.{0,40}\b(?:failed|unsuccessful|errored|errors?)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is|will be) (?:not|never) (?:charged|billed)"
        r"|\b(?:failed|unsuccessful|errored)\b.{0,60}\b(?:are|is) free\b|\b(?:fail\w*|times? out|timed out|errors?)\b"
        r"[^.;]{0,160}\b(?:will|shall) not be (?:charged|billed)\b",
    ),
    (
        "fund_hold",
        "fund_hold",
        "u",
        0.85,
        "hold holds withhold withholding freeze frozen delay suspend reserve",
        r"\b(?:hold|holds|withhold\w*|freez\w*|frozen|delay\w*|suspend\w*|place an? (?:hold|reserve) on)\b.{0,40}"
        r"\b(?:funds?|payouts?|payments? (?:to|owed to|due to) you|balances?|earnings|proceeds|"
        r"withdrawals?|disbursements?)\b|\brolling reserve\b",
    ),
    # ------------------------------------------------------------ AI and content
    (
        "train_on_content",
        "ai_training_on_user_content",
        "u",
        0.9,
        "train training trained improve improving improvement develop fine tune tuning",
        rf"\b(?:use|uses|using|used|process\w*|analy[sz]\w*|leverag\w*|utili[sz]\w*)\b[^.;]{{0,80}}\b{_UC}\b[^.;]{{0,120}}"
        r"\b(?:train\w*|fine[- ]?tun\w*|improv\w+|develop\w*|enhanc\w*)\b[^.;]{0,50}\b(?:models?|ai|artificial "
        r"intelligence|machine learning|algorithms?|llms?)\b"
        rf"|\b(?:train\w*|fine[- ]?tun\w*)\b[^.;]{{0,60}}\b(?:models?|ai|algorithms?)\b[^.;]{{0,30}}\b(?:on|using|with|from)"
        rf"\b[^.;]{{0,40}}\b{_UC}\b|\b{_UC}\b[^.;]{{0,80}}\b(?:to|for) (?:the )?(?:purposes? of )?(?:ai |model |"
        r"machine learning )?(?:train\w*|fine[- ]?tun\w*)\b|\bif (?:model )?training is (?:enabled|on|turned on)\b"
        rf"|\b{_UC}\b[^.;]{{0,40}}\b(?:be |is |are )?used\b[^.;]{{0,20}}\bto (?:\w+ (?:and|or) )?(?:improve|train|"
        r"develop)\w*\b[^.;]{0,40}\b(?:models?|ai)\b"
        rf"|\b{_UC}\b[^.;]{{0,60}}\bfor (?:ai |model |machine learning )?(?:training|improvement)\b",
    ),
    (
        "train_optout",
        "ai_training_on_user_content",
        "n",
        0.75,
        "opt opted optout",
        r"\bopt(?:ed|ing)?[- ]?(?:out|in)\b[^.;]{0,40}\b(?:of |from |to )?(?:the |model |ai )?(?:training|"
        r"train)|\bdo not train on my\b",
    ),
    (
        "train_settings",
        "ai_training_on_user_content",
        "n",
        0.45,
        "opt out optout settings disable turn",
        r"\bopt(?:ing)?[- ]?out\b|\bturn(?:ing)? off\b|\bdisabl\w+\b",
    ),
    (
        "train_not",
        "ai_training_on_user_content",
        "neg",
        1.0,
        "train training trained",
        rf"(?:\b(?:will|do|does|shall|would|may|did|are|is|can)\s*{_NEG}|\b{_NEG_AUX})\b[^.;]{{0,100}}?\b(?:(?:to|for) (?:model )?"
        r"(?:train\w*|fine[- ]?tun\w*)|train (?:or \w+ )?(?:our |any |the |its |their |third[- ]party )?(?:\w+ )?"
        r"(?:models?|ai|algorithms|llms?)|train (?:\w+ )?on)\b"
        rf"|\b{_NEG}\s+(?:be\s+)?used\s+(?:to|for)\s+(?:train\w*|fine[- ]?tun\w*)|\bnever\s+(?:use|train)\w*\b"
        r"[^.;]{0,80}\btrain|\b(?:no|without) (?:model )?training on\b",
    ),
    (
        "train_user_ban",
        "ai_training_on_user_content",
        "x",
        1.0,
        # every alternative needs one of these words (the veto matters only where training is said)
        "train training trained develop developed developing build building create improve improving "
        "improvement fine tune tuning",
        rf"\b{_USER}\s+(?:[\w’'-]+\s+)?(?:may not|shall not|will not|must not|agree not to|cannot|can[’']t|won[’']t|"
        r"are not (?:permitted|allowed) to|are prohibited from)\b[^.;]{0,120}\b(?:train|develop|build|improve|"
        r"fine[- ]?tune)\w*|" + _ITEM + r"(?:except[^,]{0,40},\s*)?(?:use|using)\b[^.;]{0,100}\bto (?:develop|train|"
        r"build|create|improve)\w*|\b(?:use[sd]?|using) (?:the |any |such )?(?:outputs?|ai-generated content|"
        r"generated content|"
        r"responses|completions|results)\b[^.;]{0,40}\bto\W{0,3}(?:\([a-z]\)\s*)?(?:develop|train|build|create|"
        r"improve)\w*\b(?! (?:and improve )?(?:our|its|the company|their) )|\b(?:utili[sz]ation|use) of [^.;]{0,30}"
        r"\boutputs?\b[^.;]{0,20}\bto (?:train|develop|build)|\b(?:allows?|enables?|lets?) you to (?:train|fine[- ]?tune)"
        r"|\byou (?:can|may) (?:train|fine[- ]?tune)\b|\btraining data (?:that )?you (?:upload|provide|submit)"
        r"|\bmodel[’']s outputs?\b",
    ),
    (
        "output_own_user",
        "output_ownership",
        "f",
        0.85,
        "own owns retain retains assign assigns ownership",
        rf"\b(?:you|users?|customers?|subscribers?)\b[^.;]{{0,40}}?\b(?:will |shall |may )?(?:own|owns|retain|retains|"
        rf"hold|holds|keep|keeps)\b(?: all| any)?[^.;]{{0,60}}?\b{_OUT}"
        rf"|\((?:[a-z]|[ivx]+)\) owns? (?:all |any )?(?:right,? title,? and interest (?:in|to) )?(?:the |your )?{_OUT}"
        rf"|\b{_OUT}\b[^.;]{{0,60}}\b(?:are|is|will be|shall be|remain) (?:owned by you|yours|your property|the "
        r"property of (?:you|the user|the customer))|\b(?:assigns?|transfers?) to you\b.{0,60}\b(?:right|title|"
        rf"interest)|\bownership of (?:the |your |any )?{_OUT}",
    ),
    (
        "output_licence_to_user",
        "output_ownership",
        "n",
        0.7,
        "grants grant license licence",
        rf"\bgrants? you\b[^.;]{{0,140}}\b(?:licen[cs]e|right)\b[^.;]{{0,40}}\b(?:to|in) (?:the |any |all )?{_OUT}",
    ),
    (
        "output_commercial",
        "output_ownership",
        "n",
        0.6,
        "commercial commercially",
        r"\b(?:outputs?|assets|images|generations?|creations)\b.{0,80}\bcommercial(?:ly)?\b|"
        r"\bcommercial(?:ly)? (?:use|purposes)\b.{0,80}\b(?:outputs?|assets|images|generations?|creations)",
    ),
    (
        "output_own_platform",
        "output_ownership",
        "u",
        0.85,
        "own owns ownership",
        r"\b(?:we|us|company) (?:will |shall )?(?:own|retain)\w*\b.{0,40}\b(?:rights?|title|ownership)\b"
        rf".{{0,60}}\b{_OUT}|\byou (?:do not|don't|will not) own\b",
    ),
    (
        "license_user_grant",
        "license_to_platform",
        "n",
        0.85,
        "grant grants give gives provide provides assign assigns",  # "assign ... right, title and interest"
        r"\b(?:you|users?|customers?|licensors?|subscribers?|contributors?|creators?)\b(?: hereby| expressly| also| "
        r"thereby)*\s+(?:grant|grants|give|gives|provide|provides|assign|assigns)\b(?!\s+(?:you|other users|each "
        r"user|to other users|third parties|the public|other members)\b)[^.;]{0,140}?\b(?:licen[cs]e|right to use|"
        r"rights? to (?:use|host|store|reproduce|display)|permission|rights?,? title,? and interest)",
    ),
    (
        "license_permission",
        "license_to_platform",
        "n",
        0.7,
        "permission",
        r"\b(?:you|this licen[cs]e) (?:provide|give|grant)s? (?:\w+ )?(?:with )?(?:that |this |the )?permission\b|"
        r"\bneed your permission\b",
    ),
    (
        "license_feedback",
        "license_to_platform",
        "n",
        0.7,
        "feedback ideas suggestions",
        r"\b(?:may|shall be free to|are free to|is free to|will be free to|can)\b[^.;]{0,40}?\buse (?:any |such |"
        r"the |your |all )?(?:feedback|suggestions|ideas|content)\b|\b(?:feedback|suggestions|ideas)\b[^.;]{0,100}"
        r"\b(?:without (?:any )?(?:obligation|compensation|restriction|attribution|payment)|for any (?:reason|purpose)"
        r"|royalty[- ]free|perpetual|irrevocable)|\b(?:not entitled to|no) (?:any )?(?:acknowledg(?:e)?ment|"
        r"compensation|reimbursement|payment)\b[^.;]{0,60}\bfeedback",
    ),
    (
        "license_broad",
        "license_to_platform",
        "u",
        0.3,
        "perpetual irrevocable worldwide royalty sublicensable",
        r"\b(?:perpetual|irrevocable|sub-?licens\w+)\b.{0,100}\blicen[cs]e|\blicen[cs]e\b.{0,60}\b(?:perpetual|"
        r"irrevocable)",
    ),
    (
        "license_mention",
        "license_to_platform",
        "n",
        0.35,
        "license licence",
        r"\b(?:this|the|that|such) licen[cs]e\b",
    ),
    (
        "non_compete",
        "output_non_compete",
        "n",
        0.85,
        "compete competes competing competitive competitor competitors",
        r"\b(?:develop|build|create|train|improve)\w*\b.{0,80}\b(?:compet\w+|similar)\b.{0,60}\b(?:models?|"
        r"products?|services?|offerings?|ai)|\b(?:compet\w+)\b.{0,40}\b(?:models?|products?|services?)\b.{0,80}"
        r"\b(?:outputs?|results)\b",
    ),
    (
        "non_compete_train",
        "output_non_compete",
        "n",
        0.8,
        "develop train build create improve",
        rf"(?:\b{_USER}\b[^.;]{{0,30}}\b(?:not|never|prohibited|restrict\w*|don[’']t)\b[^.;]{{0,60}}|"
        rf"{_ITEM}(?:except[^,]{{0,40}},\s*)?)"
        r"(?:use|using)\b[^.;]{0,30}\b(?:outputs?|ai-generated content|generated content|responses|completions|"
        r"results|plugin requests|the services?)\b[^.;]{0,60}\bto (?:develop|train|build|create|improve)\w*\b"
        r"[^.;]{0,60}\b(?:models?|ai\b|artificial intelligence|machine learning|llms?)",
    ),
    (
        "public_default",
        "public_by_default",
        "u",
        0.85,
        "public publicly visible viewable default",
        r"\b(?:public(?:ly)?|visible|viewable|accessible|gallery|discover|explore)\b.{0,80}\bby default\b"
        r"|\bby default\b.{0,80}\b(?:public(?:ly)?|visible|viewable|shared)\b|\b(?:stealth|private) mode\b"
        rf"|\b{_C}\b.{{0,60}}\b(?:are|will be|may be|is)\s+(?:publicly\s+)?(?:visible|viewable|public|displayed)"
        r"\s+(?:to\s+)?(?:others|anyone|other users|the public|publicly|in (?:the|our) (?:gallery|feed))",
    ),
    (
        "biometric",
        "voice_likeness_biometrics",
        "n",
        0.85,
        "biometric biometrics voiceprint voiceprints faceprint facial likeness voice clone cloning face",
        r"\bbiometric\w*|\b(?:voice|face)[- ]?prints?\b|\bfacial (?:geometry|recognition|features|data|scan)"
        r"|\bvoice (?:data|recordings?|samples?|clon\w+|models?)|\blikeness\b|\bclon\w+ (?:your |a |someone'?s? )?"
        r"voice|\bdigital (?:replica|twin|avatar)",
    ),
    (
        "aup_not_use",
        "acceptable_use",
        "n",
        0.75,
        "not cannot allowed permitted prohibited",
        rf"\b{_USER}\b (?:(?:may|shall|will|must|agree|promise|undertake)(?: to)? not|are not (?:permitted|allowed) "
        r"to|are prohibited from|cannot|can[’']t)\b"
        r"[^.;]{0,30}?\b(?:use|access|attempt|engage|upload|post|share|submit|create|generate|copy|modify|reverse|"
        r"decompile|disassemble|scrape|crawl|resell|sell|sublicen[cs]e|distribute|rent|lease|interfere|disrupt|"
        r"circumvent|bypass|violate|infringe|impersonate|harass|misrepresent|transmit|build|develop|train|exploit|"
        r"frame|mirror|probe|scan|overload|abuse|collect|harvest|misuse|introduce|promote|facilitate|input|"
        r"download|extract)\w*",
    ),
    (
        "aup_minor_barred",
        "acceptable_use",
        "x",
        1.0,
        "younger under majority old",
        r"\b(?:younger than|under the age|age of majority|years old)\b[^.;]{0,100}\b(?:must|may|shall) not "
        r"(?:access|use)",
    ),
    (
        "aup_policy",
        "acceptable_use",
        "n",
        0.6,
        "prohibited comply complying compliance incorporate incorporated incorporates incorporating violate "
        "violates violating violation violations breach breaches abide adhere",
        r"\bprohibited (?:uses?|conduct|activit\w+|content|practices)|\b(?:comply|complying|compliance) with\b"
        r"[^.;]{0,40}\b(?:acceptable use|usage polic(?:y|ies)|use polic(?:y|ies)|community (?:guidelines|standards)|"
        r"content (?:policy|guidelines|standards))|\b(?:incorporat\w+|violat\w+|breach\w*|abide by|adhere to)\b"
        r"[^.;]{0,60}\b(?:acceptable use|usage polic(?:y|ies)|use polic(?:y|ies)|community (?:guidelines|standards))",
    ),
    (
        "aup_dont_use",
        "acceptable_use",
        "n",
        0.6,
        "use used",
        r"\b(?:do not|don[’']t|never) use (?:our |the |any )?(?:services?|platform|products?|tools?|\w+) (?:to|for|"
        r"in)\b|\b(?:must|may|shall) not be used (?:to|for|in)\b",
    ),
    (
        "aup_mention",
        "acceptable_use",
        "n",
        0.45,
        "acceptable usage policy policies guidelines standards",
        r"\bacceptable use\b|\busage polic(?:y|ies)\b|\buse polic(?:y|ies)\b|\bcommunity (?:guidelines|standards)\b"
        r"|\bcontent (?:policy|guidelines|standards)\b",
    ),
    (
        "aup_comply",
        "acceptable_use",
        "n",
        0.35,
        "comply complying compliance undertake violate violation violations breach",
        r"\b(?<!subject to your )(?<!subject to )(?:comply|complying) with\b|\bundertake\b",
    ),
    (
        "aup_conduct_item",
        "acceptable_use",
        "n",
        0.45,
        "use violate interfere disrupt circumvent bypass reverse decompile copy scrape misuse collect solicit "
        "sell resell rent lease sublicense distribute send upload post transmit impersonate harass engage "
        "attempt access generate create build develop promote facilitate exploit infringe misrepresent "
        "share publish remove modify frame mirror probe overload abuse harvest train encourage incite "
        "threaten defame spam grant include submit automate buy register provide make conduct deceive "
        "mislead don not never produce commit run spread depict manipulate plagiarize plagiarise misappropriate "
        "utilize utilise",
        _ITEM + r"(?:not |don[’']t |do not |never )?(?:use|violate|interfere|disrupt|circumvent|bypass|reverse|"
        r"decompile|copy|scrape|misuse|collect|solicit|sell|resell|re-sell|rent|lease|sublicen[cs]e|distribute|"
        r"send|upload|post|transmit|impersonate|harass|engage|attempt|access|generate|create|build|develop|promote|"
        r"facilitate|exploit|infringe|misrepresent|share|publish|remove|modify|frame|mirror|probe|overload|abuse|"
        r"harvest|train|encourage|incite|threaten|defame|spam|grant|include|submit|automate|buy|register|"
        r"provide|make|conduct|deceive|mislead|produce|commit|run|spread|depict|manipulate|plagiari[sz]e|"
        r"misappropriate|utili[sz]e)\b",
    ),
    (
        "aup_harm",
        "acceptable_use",
        "n",
        0.45,
        "illegal unlawful harmful harass harassment malware spam explicit csam abuse exploit defamatory obscene "
        "fraudulent minors spiders robots crawlers scrape scraping mining illicit",
        r"\b(?:illegal|unlawful|harmful|harass\w*|malware|spam\w*|sexually explicit|csam|child sexual|"
        r"exploit\w*|fraudulent|defamatory|libel\w*|obscene|illicit|involving minors|spiders|robots|crawlers|scrap\w+|"
        r"data mining)\b",
    ),
    # ------------------------------------------------------------ legal
    (
        "arb_any",
        "arbitration",
        "u",
        0.9,
        "arbitration arbitrate arbitrator arbitrators arbitral arbitrable",
        r"\barbitra(?:tion|te|ted|tor|tors|ble|l)\b",
    ),
    (
        "arb_binding",
        "arbitration",
        "u",
        0.9,
        "binding arbitration",
        r"\b(?:binding|mandatory|final) (?:and binding )?(?:individual )?arbitration",
    ),
    (
        "arb_body",
        "arbitration",
        "n",
        0.7,
        "aaa jams american icdr national",
        r"\baaa\b|\bjams\b|\bamerican arbitration association\b|\bicdr\b|\bnational arbitration (?:and|&) mediation\b",
    ),
    (
        "arb_optout",
        "arbitration",
        "f",
        0.5,
        "opt out optout",
        r"\bopt[- ]?out\b.{0,60}\barbitrat|\barbitrat\w*.{0,80}\bopt[- ]?out",
    ),
    ("arb_small_claims", "arbitration", "f", 0.4, "small claims", r"\bsmall[- ]claims?\b"),
    (
        # The document must say there is no arbitration: explanations of how arbitration works
        # ("there is no judge or jury", limited court review, no class arbitration) and carve-outs
        # (small claims, injunctive relief, an opt-out) are not negations.
        "arb_none",
        "arbitration",
        "neg",
        1.0,
        "arbitration arbitrate",
        r"(?s)^(?!.*\b(?:small[- ]claims?|injunctive|carve[- ]?outs?|except|exceptions?|excluded from|opt[- ]?out|"
        r"class|collective|representative|mass)\b).*?(?:\b(?:there is|there will be|with) no (?:binding |mandatory "
        r"|forced )?arbitration\b|^\W*no (?:binding |mandatory |forced )?arbitration\b|\b(?:disputes?|claims?|"
        r"these terms|this agreement|you|we)\b[^.;]{0,30}\b(?:will|shall|are|is|do|does)\s+not\s+(?:be\s+)?"
        r"(?:subject to|required to (?:arbitrate|submit to arbitration)|resolved (?:by|through|in)|submitted to|"
        r"referred to)\s+(?:binding |mandatory )?arbitrat\w*|\b(?:does|do|will|shall) not (?:require|contain|"
        r"include|have)\b[^.;]{0,40}\barbitration (?:agreement|clause|provision|requirement)|\bwithout (?:binding |"
        r"mandatory )?arbitration\b(?! award))",
    ),
    (
        "adr",
        "arbitration",
        "n",
        0.35,
        "mediation alternative adr",
        r"\balternative dispute resolution\b|\bmediat\w+",
    ),
    (
        "class_waiver",
        "class_action_waiver",
        "u",
        0.9,
        "class collective representative consolidated individual attorney",
        r"\bclass(?:[- ]wide)? (?:action|arbitration|member|proceeding|basis)|\bclass,? (?:or )?(?:consolidated|"
        r"collective|representative)|\brepresentative (?:action|proceeding|capacity|basis)|\bcollective "
        r"(?:action|proceeding|redress)|\b(?:no|not|waive\w*|any)\b[^.;]{0,40}\bconsolidat\w+ (?:action|proceeding|"
        r"claims|arbitration)|\b(?:only |solely )?on an individual basis\b|\bprivate attorney general",
    ),
    ("jury_waiver", "jury_trial_waiver", "u", 0.95, "jury", r"\bjury\b"),
    (
        "change_terms",
        "unilateral_change",
        "u",
        0.85,
        "change modify amend update revise alter replace changes modifications amendments",
        r"\b(?!(?:you|your|users?|customers?)\b)(?:we|us|company|[a-z]+)\b (?:may|can|might|will|reserves? the right "
        r"to|ha(?:s|ve) the right to)\b[^.;]{0,60}\b(?:change|modify|amend|update|revise|alter|replace|supplement)"
        r"\w*\b[^.;]{0,50}\b(?:terms|agreement|polic(?:y|ies)|conditions|these|provisions|guidelines|eula|rules)\b"
        r"|\b(?:terms|agreement|polic(?:y|ies)|conditions)\b[^.;]{0,50}\b(?:may|can|will|might) be (?:changed|"
        r"modified|amended|"
        r"updated|revised|supplemented)|\b(?:changes?|modifications?|updates?|amendments?|revisions?) (?:to|of) "
        r"(?:these|the|this|our) (?:\w+ )?(?:terms|agreement|polic(?:y|ies)|conditions)",
    ),
    (
        "change_revised",
        "unilateral_change",
        "u",
        0.7,
        "revised modified updated amended new changes change material significant",
        r"\b(?:revised|modified|updated|amended|changed) (?:version of (?:the|these|this) )?(?:terms|agreement|"
        r"privacy (?:policy|notice)|polic(?:y|ies)|conditions)\b|\bnew (?:version|copy) of (?:the|these|this|our) "
        r"(?:terms|agreement|polic)|\bwhen changes are made\b|\b(?:make|makes|made|making) (?:any |a )?(?:material|significant) "
        r"changes?\b(?! (?:to|in|of) (?:the |our )?(?:services?|features?|products?))|\b(?:material|significant) "
        r"changes? (?:to|in|of) (?:these|the|this|our) (?:\w+ )?(?:terms|agreement|polic)",
    ),
    (
        "change_service",
        "unilateral_change",
        "n",
        0.15,
        "change modify discontinue alter",
        r"\b(?:change|modify|discontinue|alter)\w*\b.{0,40}\b(?:the |our |any )?(?:services?|features?|"
        r"functionality|platform|products?)\b",
    ),
    (
        "remove_content",
        "content_removal",
        "u",
        0.8,
        "remove removal removed delete deleted block blocked disable disabled down takedown refuse restrict "
        "edit screen moderate moderation reject rejected",
        _PROV_MAY + r"[^.;]{0,60}?\b(?:remove|delete|block|disable|take down|refuse to (?:post|display|"
        r"publish|accept|distribute|generate)|restrict (?:access to|the visibility of)|edit|screen|moderate|reject)\b"
        rf"(?! (?:your |the |any )?(?:accounts?|personal|information))[^.;]{{0,60}}\b{_CR}\b|\b{_CR}\b[^.;]{{0,60}}"
        r"\b(?:may|can|will|might) be (?:removed|deleted|blocked|disabled|taken down|rejected|moderated|"
        r"screened)\b|\b(?:removal|takedown|take-down|moderation) of (?:any |your |the )?" + _CR + r"\b",
    ),
    (
        "terminate_provider",
        "unilateral_termination",
        "u",
        0.85,
        "terminate termination cancel close delete deactivate disable ban discontinue revoke end",
        _PROV_MAY + r"(?!\s+(?:survive|not))[^.;]{0,50}?\b(?:terminat\w*|cancel\w*|clos\w+|delet\w+|deactivat\w+|disabl\w+|"
        r"ban|revok\w+|end(?= (?:your|the|this|these|all|any)\b))\b[^.;]{0,25}?\b(?:your |the |any |this |these |all "
        r"|customer[’']s )?(?:accounts?|access|"
        r"agreement|subscriptions?|membership|licen[cs]es?|terms|services?|use of|relationship)\b",
    ),
    (
        "terminate_passive",
        "unilateral_termination",
        "u",
        0.8,
        "terminated cancelled canceled closed deleted deactivated disabled revoked banned banning termination "
        "cancellation deactivation closure",
        r"\b(?:your |the |any )?(?:accounts?|access|subscriptions?|agreement|membership|services?)\b[^.;]{0,40}\b"
        r"(?:may|can|will|might|shall) be (?:immediately |permanently )?(?:terminat|cancel+|clos|delet|deactivat|"
        r"disabl|revok|banned)\w*|\bresult in\b[^.;]{0,30}\b(?:the )?(?:termination|cancellation|deactivation|"
        r"closure|deletion|ban\w*)\b|\bface\b[^.;]{0,30}\b(?:termination|ban\w*)",
    ),
    (
        # a repeat-infringer policy: the provider ends the accounts of users who infringe again
        "terminate_repeat_infringers",
        "unilateral_termination",
        "u",
        0.85,
        "infringers infringer",
        r"\b(?:terminat\w*|disabl\w*|clos\w*|delet\w*)\b[^.;]{0,40}\brepeat(?:ed)? infringers?\b|\brepeat(?:ed)? "
        r"infringers?\b[^.;]{0,60}\b(?:terminat\w*|disabled|closed|deleted)\b",
    ),
    (
        "terminate_event",
        "unilateral_termination",
        "u",
        0.8,
        "terminates terminate suspends",
        rf"\b(?:in the event (?:that )?|if |where |when ){_PROV} (?:suspends or |suspend or )?terminat\w*\b",
    ),
    (
        "terminate_any_time",
        "unilateral_termination",
        "u",
        0.4,
        "discretion reason notice time",
        r"(?s)^(?!\W*(?:\*\*[^*]*\*\*\W*)?(?:you|users?|customers?)\b).*?"
        r"\b(?:terminat\w+|suspend\w*)\b.{0,120}\b(?:for any (?:or no )?reason|at any time|without (?:prior )?"
        r"notice|(?:sole|absolute) discretion|without (?:cause|liability))",
    ),
    (
        "suspend_account",
        "account_suspension",
        "n",
        0.8,
        "suspend suspends suspension suspended lock locked throttle freeze",
        r"\b(?:suspend\w*|suspension|lock\w*|throttl\w*|freez\w*|temporar\w+ (?:disable|restrict|block)\w*)\b"
        r"[^.;]{0,60}\b(?:your |the |any |customer[’']s )?(?:accounts?|access|use of|services?|workspaces?)\b"
        r"|\bresult in\b[^.;]{0,30}\b(?:account |temporary )?suspension|\bface\b[^.;]{0,20}\bsuspension",
    ),
    (
        "venue_courts",
        "jurisdiction",
        "u",
        0.85,
        "courts court jurisdiction venue forum tribunal tribunals",
        r"\b(?:courts?|tribunals?) (?:of|in|located in|sitting in|situated in|for)\b(?! (?:competent|law\b|equity|"
        r"any\b|a\b|an\b|appropriate|such|which|that|this|these|the (?:appropriate|relevant|competent|applicable)|"
        r"your (?:choice|discretion)))|\b(?:exclusive|non-exclusive|personal|sole) jurisdiction|\bvenue\b|\bsubmit\w* "
        r"to the (?:\w+ )?jurisdiction|\bforum (?:non conveniens|selection)|\binconvenient forum\b|\bexclusive forum\b",
    ),
    (
        "venue_consumer",
        "jurisdiction",
        "f",
        0.5,
        "reside residence live domicile habitual",
        r"\b(?:courts? (?:of|in|where) your|where you (?:live|reside)|your (?:country|place|state) of "
        r"(?:residence|domicile)|habitual(?:ly)? resid)",
    ),
    (
        "law_governed",
        "choice_of_law",
        "u",
        0.85,
        "governed governing construed interpreted law laws act",
        r"\bgoverned by\b[^.;]{0,40}\blaws?\b|\b(?:construed|interpreted|enforced)\b[^.;]{0,40}\b(?:in accordance "
        r"with|under|by)\b[^.;]{0,20}\blaws?\b|\bgoverning laws?\b|\blaws? of\b[^.;]{0,60}\b(?:will|shall) "
        r"(?:apply|govern)|\b(?:english|irish|german|french|swiss|dutch|swedish|luxembourg|singapore|californian?|"
        r"delaware|new york|israeli) law\b|\b(?:terms|agreement|contract|conditions)\b[^.;]{0,40}\bsubject to "
        r"the (?:substantive )?laws? of (?!your\b)|\bconflicts? of laws?\b|\bchoice of law\b|\bfederal arbitration act\b"
        r"[^.;]{0,60}\bgovern",
    ),
    (
        "law_consumer",
        "choice_of_law",
        "f",
        0.5,
        "mandatory residence reside",
        r"\bmandatory (?:consumer )?(?:protection )?(?:laws?|provisions|rules)\b|\blaws? of your (?:country|"
        r"state|place) of residence",
    ),
    (
        "ltd_not_liable",
        "limitation_of_liability",
        "u",
        0.85,
        "liable liability responsible responsibility damages",
        r"\b(?:not|never|no) (?:be )?(?:held )?(?:liable|responsible)\b|\bliability\b[^.;]{0,80}\b(?:limit\w*|exceed\w*|"
        r"cap\b|capped|exclud\w*|disclaim\w*)|\b(?:in no event|under no circumstances)"
        r"\b.{0,160}\b(?:liable|liability|responsible|damages)|\b(?:indirect|incidental|consequential|special|"
        r"punitive|exemplary) damages|\b(?:aggregate|total|maximum|cumulative|entire) liability|\bdisclaim\w* "
        r"(?:all |any )?(?:liability|responsibility)|\bneither\b[^.;]{0,150}\b(?:will|shall) be (?:held )?(?:liable|"
        r"responsible)|\bdisclaim\w* "
        r"(?:all |any )?(?:liability|responsibility)|\b(?:assume|accept)s? no (?:liability|responsibility)|\b(?:not|"
        r"no) (?:accept|assume) (?:any )?(?:liability|responsibility)|\bsole (?:and exclusive )?remedy\b|\b(?:have|"
        r"has|bear|bears|under) no liability\b|\bnot (?:to )?hold\b[^.;]{0,30}\b(?:liable|responsible)",
    ),
    (
        "ltd_mention",
        "limitation_of_liability",
        "n",
        0.35,
        "limitation limitations liability",
        r"\blimitations? (?:of|on) liability",
    ),
    (
        "ltd_carveout",
        "limitation_of_liability",
        "f",
        0.4,
        "negligence misconduct fraud death injury statutory nothing",
        r"\bgross negligence\b|\bwil+ful (?:misconduct|default)|\bfraud\w*\b|\bdeath or personal injury\b"
        r"|\bnothing in (?:these|this)\b.{0,60}\b(?:exclude|limit)",
    ),
    (
        "indemnify",
        "indemnification",
        "u",
        0.9,
        "indemnify indemnification indemnity harmless",
        r"\bindemnif\w+|\bindemnit\w+|\bhold\b.{0,40}\bharmless",
    ),
    (
        "warranty_asis",
        "warranty_disclaimer",
        "u",
        0.85,
        "as",
        r"\bas[- ](?:is|available)\b",
    ),
    (
        "warranty_terms",
        "warranty_disclaimer",
        "u",
        0.85,
        "warranty warranties warrant warrants warranted merchantability fitness guarantee guarantees "
        "representation representations promises infringement noninfringement non",
        r"\bwithout (?:any )?warrant\w*|\b(?:disclaim|exclude)\w* [^.;]{0,60}warrant|\bno warrant\w*|"
        r"\bmerchantability\b|\bfitness for a particular purpose\b|\bnon-?infringement\b"
        r"|\bmake[s]? no (?:representations?|warrant\w*|guarantees?|promises?)",
    ),
    (
        "warranty_risk",
        "warranty_disclaimer",
        "u",
        0.8,
        "risk responsibility rely depend accurate inaccurate errors error uninterrupted downtime guarantee "
        "misleading incorrect incomplete",
        r"\bat your (?:own|sole) risk\b|\bassume[sd]? (?:all|full|the entire|sole) (?:risk|responsibility)\b|\b(?:"
        r"outputs?|suggestions|responses?|results?|services?)\b[^.;]{0,60}\b(?:may|might|can|could) (?:\w+ )?(?:be|"
        r"contain|include|produce|generate|provide|reflect) (?:\w+ )?(?:inaccurate|incorrect|errors?|mistakes|"
        r"misleading|incomplete|offensive|biased|untrue|false)|\b(?:not|never) (?:to )?(?:rely|depend) (?:solely |"
        r"exclusively |only )?(?:up)?on\b|\bas a (?:sole|definitive|single) source of (?:truth|information)\b|\b(?:do "
        r"not|does not|cannot|can[’']t|no) guarantee\w*|\b(?:uninterrupted|error[- ]free)\b|\bperiods? of downtime\b"
        r"|\b(?:does|do|may) not (?:\w+ )?accurately reflect\b",
    ),
    (
        "by_using",
        "contract_by_using",
        "u",
        0.7,
        "using accessing use access visiting browsing downloading installing continuing continue agree "
        "creating registering clicking signing accept",
        r"\bby (?:accessing|using|visiting|browsing|downloading|installing|registering|signing up|clicking|"
        r"continuing to (?:use|access)|creating an account|accessing or using|using or accessing)\b.{0,160}"
        # who agrees: the user ("you agree", "you hereby accept"), not "consent" in another sentence
        r"\b(?:you|users?|customers?|licensees?)\b(?: \w+){0,2}? (?:agree|accept|consent|are bound|acknowledge|"
        r"signify|indicate)|\bby clicking\b.{0,60}\b(?:agree|accept)|\b(?:continued|continuing|continue to) (?:use|access)\w*"
        r".{0,140}\b(?:constitutes?|signif\w+|means?|deemed|acceptance|agree|bound|accept)|\buse of (?:the|our)"
        r"\b.{0,60}\b(?:constitutes|signifies|indicates) (?:your )?(?:acceptance|agreement)|\bif you do not agree"
        r"\b.{0,120}\b(?:do not|not|stop|cease) (?:to )?(?:use|access|using)|\bdeemed to (?:have )?(?:accept|agree)",
    ),
    (
        "pinc_privacy",
        "privacy_policy_by_reference",
        "u",
        0.7,
        "privacy",
        r"\b(?:our|the|its|[a-z]+[’']s) privacy (?:policy|notice|statement)\b.{0,120}\b(?:incorporated|part of|"
        r"forms? part|by reference|agree|consent|accept|bound)\b|\b(?:incorporated|part of|forms? part|by reference|"
        r"agree|accept|bound|governed)\b.{0,100}\b(?:our|the|its) privacy (?:policy|notice|statement)\b",
    ),
    (
        "pinc_mention",
        "privacy_policy_by_reference",
        "n",
        0.4,
        "privacy",
        r"\b(?:our|the|its) privacy (?:policy|notice|statement)\b",
    ),
    (
        "retention",
        "data_retention",
        "n",
        0.7,
        "retain retention retained store stored keep kept delete deletion deleted erase erasure purge",
        r"\b(?:retain\w*|retention|stor(?:e|ed|age)|keep|kept|delet\w+|eras\w+|purg\w+)\b.{0,80}\b(?:data|"
        r"information|content|records|inputs|outputs|conversations|logs|accounts?|prompts|chats|history)\b"
        r".{0,80}\b(?:hours?|days?|weeks?|months?|years?|period|as long as|until|no longer)"
        r"|\bretention (?:period|polic\w+|schedule)"
        # the data first: "Prompts and Outputs are stored for the term of this DPA or until ...",
        # "... are not retained for any longer period", "are not stored if Incognito is on"
        r"|\b(?:data|information|content|records|inputs|outputs|conversations|logs|prompts|chats)\b"
        r"[^.;]{0,80}\b(?:is|are|will be|shall be|may be)(?: only| not| never)? (?:retained|stored|kept|"
        r"deleted|erased|purged)\b[^.;]{0,60}\b(?:hours?|days?|weeks?|months?|years?|period|term|duration|"
        r"until|as long as|longer|unless|if (?:you|the|a|an)\b)",
    ),
    (
        "retention_deletion",
        "data_retention",
        "n",
        0.45,
        "delete deletion deleted erase erasure",
        r"\b(?:delet\w+|eras\w+)\b[^.;]{0,60}\b(?:your |the |such |personal )?(?:accounts?|data|information|"
        r"content|conversations|history)\b",
    ),
    (
        # Credits, balances, points, coupons or a subscription keeping or losing their expiry or
        # validity ("Returned Credits keep their original expiry date") is about what they are
        # worth, not about the user's data being kept; unless the clause also says data,
        # information or content is kept or deleted (in one sentence, either order).
        "retention_not_credits",
        "data_retention",
        "x",
        1.0,
        "keep keeps kept retain retains retained lose loses lost preserve preserves preserved "
        "maintain maintains remain remains hold holds",
        r"(?s)^(?!.*\b(?:data|information|content|records|logs|conversations|prompts|chats|history|"
        r"inputs|outputs|files)\b[^.;]{0,60}\b(?:retain\w*|stor(?:e|ed|age)|keep|kept|delet\w+|eras\w+|"
        r"purg\w+)\b|.*\b(?:retain\w*|stor(?:e|ed)|keep|kept|delet\w+|eras\w+|purg\w+)\b[^.;]{0,40}\b"
        r"(?:data|information|content|records|logs|conversations|prompts|chats|history|inputs|files)\b)"
        r".*?\b(?:credits?|balances?|points|coupons?|vouchers?|gift cards?|subscriptions?|tokens|prepaid)\b"
        r"[^.;]{0,60}\b(?:keep|keeps|kept|retain\w*|los[et]s?|preserve[sd]?|maintain\w*|remains?|holds?)\b"
        r"[^.;]{0,40}\b(?:expir\w*|validity|valid)\b",
    ),
    (
        "age_min",
        "age_eligibility",
        "n",
        0.85,
        "age aged older years old least",
        r"(?s)^(?!.*\b(?:send (?:us|to us)|(?:tools?|apps?|products?) that target|(?:sell|share|sharing)\w* (?:of )?"
        r"(?:the )?personal information of|cross-context)\b).*?(?:\b(?:at least|over|older than|"
        r"minimum age(?: of| is)?|aged?|ages|age of|must be)\s+(?:\w+\s+)?(?:1[3-9]|2[01]|thirteen|sixteen|"
        r"eighteen|twenty[- ]one)\b[^.;]{0,30}?\b(?:years?|old|or older|or over|to (?:use|access|register|create))"
        r"|\b(?:1[3-9]|2[01]|thirteen|sixteen|eighteen)\s*(?:\(\d+\)\s*)?(?:years? (?:old|of age)|or older|or over|"
        r"\+)|\bage of (?:majority|consent|digital consent|legal majority)|\bmust be an adult\b)",
    ),
    (
        "age_children",
        "age_eligibility",
        "n",
        0.85,
        "children child minors minor under kids",
        r"(?s)^(?!.*\b(?:send (?:us|to us)|(?:tools?|apps?|products?) that target|(?:sell|share|sharing)\w* (?:of )?"
        r"(?:the )?personal information of|cross-context|involving)\b).*?(?:\b(?:children|child|"
        r"minors?|kids|anyone|individuals|persons|people|users)\b[^.;]{0,30}\bunder\b[^.;]{0,40}\b(?:1[3-9]|"
        r"thirteen|sixteen|eighteen|age)\b|\bunder (?:the age of )?(?:1[3-9]|thirteen|sixteen|eighteen)\b[^.;]{0,60}"
        r"\b(?:not (?:permitted|allowed|intended|eligible)|may not|must not|prohibited|parental|guardian|consent)"
        r"|\b(?:not (?:intended|directed|designed|meant|available)|do not (?:knowingly )?(?:collect|allow|permit))"
        r"\b[^.;]{0,60}\b(?:children|minors|kids|under (?:the age of )?(?:1[3-9]|thirteen|sixteen|eighteen)))",
    ),
    (
        "age_eligible",
        "age_eligibility",
        "n",
        0.5,
        "eligible eligibility",
        r"\beligib(?:le|ility)\b.{0,40}\b(?:to use|requirements?|for (?:the|our) services?)",
    ),
    (
        "share_third",
        "data_sharing_third_parties",
        "n",
        0.8,
        "share shares shared sharing disclose disclosed sell sold transfer provide",
        r"\b(?:share|shares|shared|sharing|disclos\w+|sell|sold|sells|transfer\w*|provide)\b.{0,60}\b(?:personal "
        r")?(?:data|information)\b.{0,80}\b(?:third[- ]part\w+|partners|affiliates|advertisers|service "
        r"providers|vendors|law enforcement)|\bprovide (?:any )?third part(?:y|ies)\b[^.;]{0,40}\baccess\b"
        r"|\bsharing\W{0,3} of personal (?:data|information)|\bcross-context behavio\w+ advertising\b",
    ),
    (
        # third parties' own collection on the service: "These third parties may collect
        # information about you ... directly from your device"
        "share_third_collect",
        "data_sharing_third_parties",
        "n",
        0.7,
        "third",
        r"\bthird[- ]part(?:y|ies)\b[^.;]{0,60}?\b(?:may |will |can |also |might )*(?:collect|receive|obtain|"
        r"access)(?:s|es|ed)?\b[^.;]{0,60}\b(?:personal )?(?:data|information)\b",
    ),
    (
        "share_not_sell",
        "data_sharing_third_parties",
        "neg",
        1.0,
        "sell sold share rent",
        r"\b(?:do not|don't|will not|won't|never|does not)\b[^.;]{0,100}?\b(?:sell|share|rent)\b[^.;]{0,40}?\b"
        r"(?:personal )?(?:data|information)",
    ),
    (
        "export",
        "export_controls",
        "n",
        0.85,
        "export sanction sanctions sanctioned embargo embargoed ofac denied designated",
        r"\bexport (?:control|administration|laws?|regulations?|restrictions)|\bsanction\w*|\bembargo\w*|"
        r"\bofac\b|\bdenied (?:persons?|part(?:y|ies))|\bspecially designated|\brelease or export\b",
    ),
]
# A survival clause lists the provisions that outlive the agreement ("limitation of liability,
# indemnification and this Section survive termination"); it states none of them.
_SURVIVAL = (
    r"(?s)^(?=.*\b(?:sections|provisions|following|including|obligations)\b).*?(?:\bsurviv\w*\b[^.;]{0,40}\b"
    r"(?:the )?(?:expiration|expiry|termination|cancellation)\b|\b(?:termination|expiration|expiry)\b[^.;]{0,60}"
    r"\b(?:will|shall) surviv)"
)
for _cat in (
    "limitation_of_liability",
    "unilateral_termination",
    "indemnification",
    "credit_expiry",
    "arbitration",
    "license_to_platform",
):
    _SPEC.append((f"survival_{_cat}", _cat, "x", 1.0, "survive survives survival", _SURVIVAL))
# fmt: on


def _compile() -> list[Rule]:
    rules: list[Rule] = []
    for rid, cat, kind, weight, triggers, pattern in _SPEC:
        rules.append(
            Rule(rid, cat, kind, weight, frozenset(triggers.split()), re.compile(pattern, re.S))
        )
    return rules


RULES: list[Rule] = _compile()

RULES_BY_TRIGGER: dict[str, list[Rule]] = {}
for _r in RULES:
    for _t in _r.triggers:
        RULES_BY_TRIGGER.setdefault(_t, []).append(_r)
