"""Chinese and English labels of the dashboard. Every text a page shows is a key here; `label(key, lang)`.

Values that come from the marts (RFM segment names, tag names, segment names) carry their own zh/en columns
(fct_person_value.rfm_segment_name_zh, dim_tag_catalog.tag_name_zh, dim_segments.segment_name_zh); the codes
the marts use as values (lifecycle stages, statuses, value tiers) are translated in VALUE_LABELS.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "zh": "中文"}

LABELS: dict[str, tuple[str, str]] = {
    # navigation and frame
    "app_title": ("User profiles", "用户画像"),
    "language": ("Language", "语言"),
    "section_behavior": ("Behavior", "行为分析"),
    "section_value": ("Value", "价值分析"),
    "section_profiles": ("Tags and profiles", "标签与画像"),
    "published_caption": (
        "Published marts as of {as_of} (publication {publication_id}, {published_at} UTC)",
        "已发布数据，截至 {as_of}（发布批次 {publication_id}，{published_at} UTC）",
    ),
    "no_publication": (
        "No published warehouse yet: run `make run` first. ({error})",
        "尚无已发布的数仓：请先运行 `make run`。（{error}）",
    ),
    "no_data": ("No data for this selection.", "当前选择没有数据。"),
    # pages
    "page_overview": ("Overview", "概览"),
    "page_funnels": ("Funnels", "漏斗分析"),
    "page_retention": ("Retention", "留存分析"),
    "page_lifecycle": ("Lifecycle", "生命周期"),
    "page_value": ("RFM and value tiers", "RFM 与价值分层"),
    "page_tags": ("Tag explorer", "标签探索"),
    "page_segment_builder": ("Segment builder", "人群圈选"),
    "page_person": ("Person profile", "个人画像"),
    # overview
    "dau": ("DAU (active today)", "日活跃用户"),
    "wau": ("WAU (7 days)", "周活跃用户"),
    "mau": ("MAU (30 days)", "月活跃用户"),
    "new_persons": ("New persons", "新用户"),
    "returning_persons": ("Returning persons", "老用户"),
    "revenue_30_days": ("Revenue (30 days)", "近30天收入"),
    "orders_30_days": ("Orders (30 days)", "近30天订单"),
    "aov_30_days": ("Average order value (30 days)", "近30天客单价"),
    "buyers_30_days": ("Buyers (30 days)", "近30天购买人数"),
    "delta_vs_previous_day": ("vs the day before", "较前一天"),
    "delta_vs_previous_30_days": ("vs the 30 days before", "较前30天"),
    "chart_new_vs_returning": ("Active persons per day: new vs returning", "每日活跃用户：新用户与老用户"),
    "chart_revenue": ("Revenue per day", "每日收入"),
    "chart_platforms": ("Active persons (30 days) per platform", "各端月活跃用户"),
    "day": ("Day", "日期"),
    "persons": ("Persons", "人数"),
    "revenue": ("Revenue", "收入"),
    "orders": ("Orders", "订单数"),
    "platform": ("Platform", "端"),
    "online": ("Online", "线上"),
    "store": ("Store", "门店"),
    # funnels
    "funnel": ("Funnel", "漏斗"),
    "breakdown": ("Breakdown", "拆分维度"),
    "breakdown_all": ("None", "不拆分"),
    "breakdown_platform": ("Platform", "端"),
    "breakdown_channel": ("Channel", "渠道"),
    "chart_funnel": ("Persons reaching each step", "各步骤到达人数"),
    "chart_funnel_breakdown": ("Conversion from the first step, per {breakdown}", "按{breakdown}拆分的累计转化率"),
    "step": ("Step", "步骤"),
    "step_name": ("Step name", "步骤名称"),
    "conversion_from_first": ("Conversion from step 1", "累计转化率"),
    "conversion_from_previous": ("Conversion from the previous step", "步骤转化率"),
    "median_time": ("Median time from the previous step (s)", "距上一步中位时长（秒）"),
    "overall_conversion": ("Overall conversion", "整体转化率"),
    # retention
    "grain": ("Grain", "粒度"),
    "grain_day": ("Day", "日"),
    "grain_week": ("Week", "周"),
    "grain_month": ("Month", "月"),
    "mode": ("Counting", "口径"),
    "mode_on": ("Active in period N", "第N期活跃"),
    "mode_on_or_after": ("Active in period N or later", "第N期及以后活跃"),
    "chart_retention": ("Retention by cohort (share of the cohort)", "同期群留存率"),
    "chart_retention_curve": ("Average retention curve (complete periods)", "平均留存曲线（已完整周期）"),
    "cohort": ("Cohort", "同期群"),
    "period": ("Periods later", "第N期"),
    "period_start": ("Period starting", "周期开始日"),
    "retention_rate": ("Retention rate", "留存率"),
    "cohort_persons": ("Cohort size", "同期群人数"),
    # lifecycle
    "chart_lifecycle": (
        "Lifecycle flow: who comes in, stays and leaves per period",
        "生命周期流转：每期新增、留存、回流与流失",
    ),
    "chart_stages": ("Persons per lifecycle stage today", "当前各生命周期阶段人数"),
    "status": ("Status", "状态"),
    "stage": ("Stage", "阶段"),
    "with_churn_warning": ("with a churn warning", "有流失预警"),
    "partial_period": ("The latest period is still running.", "最近一期尚未结束。"),
    # value
    "chart_rfm_segments": ("Buyers per RFM segment", "各 RFM 分群人数"),
    "chart_value_tiers": ("Revenue and predicted value per value tier", "各价值分层的收入与预测价值"),
    "chart_rfm_grid": ("Buyers per recency and frequency-monetary score", "按最近购买与频次金额评分的买家分布"),
    "rfm_segment": ("RFM segment", "RFM 分群"),
    "value_tier": ("Value tier", "价值分层"),
    "predicted_clv": ("Predicted value (365 days)", "预测价值（365天）"),
    "average_predicted_clv": ("Average predicted value", "平均预测价值"),
    "r_score": ("Recency score (5 = most recent)", "最近购买评分（5=最近）"),
    "fm_score": ("Frequency-monetary score", "频次金额评分"),
    # tags
    "tag": ("Tag", "标签"),
    "segment_filter": ("Among the members of", "人群范围"),
    "everyone": ("Everyone", "全部用户"),
    "chart_tag_distribution": ("Distribution of {tag}", "{tag} 分布"),
    "tag_value": ("Value", "标签值"),
    "no_value": ("(no value)", "（无值）"),
    "population": ("Persons in scope", "范围内人数"),
    "coverage": ("Coverage", "覆盖率"),
    "category": ("Category", "类别"),
    "value_type": ("Value type", "值类型"),
    "description": ("Definition", "定义"),
    # segment builder
    "builder_intro": (
        "Combine tag conditions and see the size of the segment before saving it. The preview compiles the rule "
        "exactly as a saved segment is compiled (macros/segment_definitions.sql).",
        "组合标签条件，保存之前先预估人群规模。预览的规则编译方式与已保存人群完全一致"
        "（macros/segment_definitions.sql）。",
    ),
    "combine": ("Persons must match", "满足条件"),
    "combine_all": ("all conditions", "全部条件"),
    "combine_any": ("any condition", "任一条件"),
    "condition_count": ("Conditions", "条件数"),
    "operator": ("Operator", "运算符"),
    "operand": ("Value", "取值"),
    "low": ("From", "最小值"),
    "high": ("To", "最大值"),
    "segment_size": ("Segment size", "人群规模"),
    "segment_share": ("Share of all profiled persons", "占全部用户比例"),
    "chart_condition_sizes": ("Persons per condition alone, and combined", "各条件单独及组合后的人数"),
    "combined": ("Combined", "组合"),
    "chart_members_by": ("Would-be members per {tag}", "目标人群按{tag}分布"),
    "breakdown_tag": ("Break the members down by", "人群拆分维度"),
    "save_instructions": (
        "To save it, paste this entry into macros/segment_definitions.sql and run `make run`:",
        "保存方法：将以下条目粘贴到 macros/segment_definitions.sql，然后运行 `make run`：",
    ),
    "rule_error": ("This rule cannot be compiled: {error}", "规则无法编译：{error}"),
    # person
    "person_id": ("person_id", "用户 ID（person_id）"),
    "pick_person": ("Or pick one of the top customers", "或选择一位高价值用户"),
    "unknown_person": ("No person {person_id} in the published marts.", "已发布数据中没有用户 {person_id}。"),
    "lifecycle_stage": ("Lifecycle stage", "生命周期阶段"),
    "first_seen": ("First seen", "首次出现"),
    "identifiers": ("Identifiers", "身份标识"),
    "chart_person_activity": ("Activity over the last 90 days", "近90天行为"),
    "events": ("Events", "事件数"),
    "sessions": ("Sessions", "会话数"),
    "tags": ("Tags", "标签"),
    "segments": ("Current segments", "所属人群"),
    "segment": ("Segment", "人群"),
    "member_since": ("Member since", "加入日期"),
    "identifier_type": ("Type", "类型"),
    "identifier_value": ("Value (phone and email hashed)", "值（手机号、邮箱已哈希）"),
    "last_seen": ("Last seen", "最近出现"),
}

# Codes the marts hold as values, translated for display (the code stays visible in English).
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "new": ("new", "新用户"),
    "returning": ("returning", "留存"),
    "resurrecting": ("resurrecting", "回流"),
    "dormant": ("dormant", "流失"),
    "active": ("active", "活跃"),
    "reactivated": ("reactivated", "召回"),
    "silent": ("silent", "沉默"),
    "churned": ("churned", "已流失"),
    "high_value": ("high value", "高价值"),
    "potential": ("potential", "潜力"),
    "ordinary": ("ordinary", "一般"),
    "at_risk": ("at risk", "流失风险"),
    "web": ("web", "网页"),
    "ios": ("iOS", "iOS"),
    "android": ("Android", "安卓"),
    "mini_program": ("mini program", "小程序"),
    "demographic": ("demographic", "人口属性"),
    "behavior": ("behavior", "行为"),
    "interest": ("interest", "兴趣偏好"),
    "value": ("value", "价值"),
    "lifecycle": ("lifecycle", "生命周期"),
    "rule": ("rule", "规则人群"),
    "cluster": ("cluster", "聚类人群"),
    "all": ("all", "全部"),
    "true": ("true", "是"),
    "false": ("false", "否"),
}


def label(key: str, lang: str, **values: object) -> str:
    """The label in the language ('en' or 'zh'), with {placeholders} filled from values."""
    english, chinese = LABELS[key]
    text = chinese if lang == "zh" else english
    return text.format(**values) if values else text


def value_label(value: object, lang: str) -> str:
    """A mart's code in the language; codes without a translation are shown as they are."""
    if value is None:
        return label("no_value", lang)
    text = str(value)
    if text in VALUE_LABELS:
        english, chinese = VALUE_LABELS[text]
        return chinese if lang == "zh" else english
    return text
