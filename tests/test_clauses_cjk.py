"""Chinese (CJK) clauses: one clause per category written here, negations, vetoes, headings."""

from __future__ import annotations

import pytest

from monitor.clauses import classify_text, extract_provisions
from monitor.clauses.classify import states_nothing
from monitor.clauses.rules import cjk_triggers

POSITIVE_ZH = {
    "concurrency_limit": "专业版用户最多可同时运行5个生成任务。",
    "rate_limit": "免费用户的调用次数上限为每日50次。",
    "credit_expiry": "购买的积分自充值之日起12个月内有效，逾期未使用的积分将自动清零。",
    "refunds": "会员服务一经开通，费用概不退还。",
    "auto_renewal": "连续包月服务将在到期前自动续费，你可随时取消。",
    "price_change": "我们有权根据运营情况调整收费标准。",
    "fund_hold": "如发现异常交易，我们有权冻结你账户中的资金。",
    "ai_training_on_user_content": "我们可能将你的对话内容用于模型训练和优化。",
    "output_ownership": "在法律允许的范围内，你对输出内容享有全部知识产权。",
    "license_to_platform": "你授予公司一项免费的、全球范围内的、可再许可的使用权。",
    "output_non_compete": "你不得利用输出内容开发与我们竞争的产品或模型。",
    "public_by_default": "你生成的图片默认公开展示在社区中。",
    "voice_likeness_biometrics": "使用声音克隆功能时，我们会提取你的声纹特征。",
    "acceptable_use": "你不得利用本服务制作、发布或传播违法信息。",
    "arbitration": "因本协议引起的争议，应提交上海仲裁委员会仲裁解决。",
    "class_action_waiver": "你同意放弃以集体诉讼方式提出索赔的权利。",
    "jury_trial_waiver": "双方放弃陪审团审判的权利。",
    "unilateral_change": "我们有权随时修改本协议，修改后的协议一经公布即生效。",
    "content_removal": "对于违反本协议的内容，平台有权删除相关内容而无需事先通知。",
    "unilateral_termination": "如你严重违反本协议，公司有权终止向你提供服务。",
    "account_suspension": "在调查期间，我们有权暂停你的账号使用。",
    "jurisdiction": "争议应提交至公司所在地有管辖权的人民法院诉讼解决。",
    "choice_of_law": "本协议的订立、履行和解释均适用中华人民共和国法律。",
    "limitation_of_liability": "在任何情况下，公司均不对任何间接损失承担赔偿责任。",
    "indemnification": "因你违约给公司造成损失的，你应当赔偿公司的全部损失。",
    "warranty_disclaimer": "本服务按现状提供，我们不对服务的准确性作任何保证。",
    "contract_by_using": "你使用本服务即视为你已阅读并同意本协议。",
    "privacy_policy_by_reference": "《隐私政策》构成本协议的组成部分。",
    "data_retention": "我们会在你注销账号后30天内删除你的个人信息。",
    "age_eligibility": "未满18周岁的用户应在监护人同意后使用本服务。",
    "data_sharing_third_parties": "我们可能会将你的个人信息共享给我们的合作伙伴。",
    "export_controls": "你应遵守适用的出口管制和制裁法律。",
}


def _cats(text: str) -> set[str]:
    return {c.category for c in classify_text(text).categories}


@pytest.mark.parametrize("category", sorted(POSITIVE_ZH))
def test_each_category_is_recognised_in_chinese(category: str) -> None:
    assert category in _cats(POSITIVE_ZH[category])


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        # an introduction pointing at the liability and dispute clauses states none of them
        (
            "请你仔细阅读本协议，特别是免除或者限制责任的条款和适用中华人民共和国法律的条款。",
            "limitation_of_liability",
        ),
        (
            "请你仔细阅读本协议，特别是免除或者限制责任的条款和适用中华人民共和国法律的条款。",
            "choice_of_law",
        ),
        # "to the extent applicable law allows" names no law
        ("在适用法律允许的范围内，你拥有输出内容的权利。", "choice_of_law"),
        # a model trained on training data is not training on user content
        ("本服务基于经大量训练数据训练后的人工智能模型提供。", "ai_training_on_user_content"),
        # a ban on users training models is not the provider training
        ("你不得使用本服务的输出训练其他模型。", "ai_training_on_user_content"),
        # service stopped by force majeure is no termination or suspension by the provider
        (
            "因不可抗力造成的暂停、中止、终止服务，公司在法律允许范围内免于承担责任。",
            "unilateral_termination",
        ),
        (
            "因不可抗力造成的暂停、中止、终止服务，公司在法律允许范围内免于承担责任。",
            "account_suspension",
        ),
        # the user stopping is not the provider terminating
        ("你可以随时停止使用本服务。", "unilateral_termination"),
        ("如你的监护人不同意，请你立即终止使用我们的服务。", "unilateral_termination"),
        ("你注销账号后，我们将停止为你提供任何服务。", "unilateral_termination"),
        # a user's duty not to leak data is conduct, not the provider sharing
        ("你不得将抓取的数据提供或泄露给任何第三方。", "data_sharing_third_parties"),
        # the user deleting their own works is no content removal
        ("你可以在个人页中管理或删除你的作品。", "content_removal"),
    ],
)
def test_chinese_wording_that_looks_like_a_category_but_is_not(text: str, absent: str) -> None:
    assert absent not in _cats(text)


def test_force_majeure_still_limits_liability() -> None:
    text = "因不可抗力造成的暂停、中止、终止服务，公司在法律允许范围内免于承担责任。"
    assert "limitation_of_liability" in _cats(text)


def test_a_promise_not_to_train_keeps_the_category_but_is_not_unfair() -> None:
    cats = {c.category: c for c in classify_text("我们不会将你的对话内容用于模型训练。").categories}
    assert "ai_training_on_user_content" in cats
    assert not cats["ai_training_on_user_content"].unfair


def test_a_promise_not_to_sell_is_a_negation_of_sharing() -> None:
    cats = {
        c.category: c for c in classify_text("我们不会向任何第三方出售你的个人信息。").categories
    }
    assert "data_sharing_third_parties" in cats
    assert not cats["data_sharing_third_parties"].unfair


def test_the_provider_acting_under_its_own_name() -> None:
    # no "公司"/"我们": the right only the provider reserves names it
    text = "如发现账号存在被盗风险，某某科技有权冻结该账号并注销其登记。"
    assert {"account_suspension", "unilateral_termination"} <= _cats(text)


def test_a_user_right_is_not_the_provider_acting() -> None:
    text = "你也有权要求我们更正你的个人信息，并可申请注销账号。"
    assert "unilateral_termination" not in _cats(text)


def test_bold_chinese_sentence_is_a_provision_but_a_bold_title_is_not() -> None:
    assert not states_nothing("**公司有权随时修改本协议。**")
    assert "unilateral_change" in _cats("**公司有权随时修改本协议。**")
    assert states_nothing("**第五条 争议解决**")


def test_cjk_trigger_terms_are_found_by_substring_only_in_cjk_text() -> None:
    assert cjk_triggers("we may terminate your account and arbitration applies") == set()
    assert "仲裁" in cjk_triggers("争议提交仲裁委员会仲裁")
    # Latin text is classified by the Latin rules alone
    english = classify_text("We may terminate your account at any time without notice.")
    reasons = [r for c in english.categories for r in c.reasons]
    assert reasons and not any(r.startswith("rule:zh_") for r in reasons)


def test_chinese_list_items_take_acceptable_use_from_their_heading() -> None:
    doc = (
        "# 用户协议\n\n"
        "## 五、用户行为规范\n\n"
        "你使用本服务时不得从事下列行为：\n\n"
        "（1）散布谣言、扰乱社会秩序的；\n\n"
        "（2）侵犯他人知识产权的。\n\n"
        "## 六、联系我们\n\n"
        "如有疑问，请发送邮件至客服邮箱。\n"
    )
    provisions = extract_provisions(doc, "Terms of Service")
    by_text = {cc.clause.text: {c.category for c in cc.categories} for cc in provisions}
    assert by_text.get("（1）散布谣言、扰乱社会秩序的；") == {"acceptable_use"}
    assert by_text.get("（2）侵犯他人知识产权的。") == {"acceptable_use"}
    # the contact line under another heading carries no category
    assert "如有疑问，请发送邮件至客服邮箱。" not in by_text
