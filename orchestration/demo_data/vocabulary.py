"""Fixed reference lists the generator draws from: places, names, devices, words of the shop.

Everything here is static data; the randomness lives in the modules that sample from it.
"""

from __future__ import annotations

# (city, city in pinyin, province, province in pinyin, population weight, store code or "", IP prefix)
# Tier-1 and new tier-1 cities carry most of the weight, like the customer base of a national brand.
CITIES = (
    ("上海", "Shanghai", "上海", "Shanghai", 9.0, "SH", "101.80"),
    ("北京", "Beijing", "北京", "Beijing", 8.5, "BJ", "123.112"),
    ("广州", "Guangzhou", "广东", "Guangdong", 6.5, "GZ", "113.108"),
    ("深圳", "Shenzhen", "广东", "Guangdong", 6.5, "SZ", "119.123"),
    ("杭州", "Hangzhou", "浙江", "Zhejiang", 5.0, "HZ", "115.236"),
    ("成都", "Chengdu", "四川", "Sichuan", 5.0, "CD", "171.88"),
    ("南京", "Nanjing", "江苏", "Jiangsu", 3.8, "NJ", "180.102"),
    ("武汉", "Wuhan", "湖北", "Hubei", 3.6, "WH", "59.172"),
    ("重庆", "Chongqing", "重庆", "Chongqing", 3.6, "CQ", "106.91"),
    ("西安", "Xi'an", "陕西", "Shaanxi", 3.0, "XA", "113.200"),
    ("苏州", "Suzhou", "江苏", "Jiangsu", 3.0, "", "58.208"),
    ("天津", "Tianjin", "天津", "Tianjin", 2.6, "", "117.8"),
    ("长沙", "Changsha", "湖南", "Hunan", 2.4, "", "175.8"),
    ("郑州", "Zhengzhou", "河南", "Henan", 2.2, "", "171.8"),
    ("东莞", "Dongguan", "广东", "Guangdong", 1.8, "", "183.6"),
    ("青岛", "Qingdao", "山东", "Shandong", 1.8, "", "123.232"),
    ("宁波", "Ningbo", "浙江", "Zhejiang", 1.6, "", "122.224"),
    ("合肥", "Hefei", "安徽", "Anhui", 1.6, "", "60.166"),
    ("佛山", "Foshan", "广东", "Guangdong", 1.5, "", "113.74"),
    ("沈阳", "Shenyang", "辽宁", "Liaoning", 1.4, "", "175.168"),
    ("昆明", "Kunming", "云南", "Yunnan", 1.3, "", "116.52"),
    ("厦门", "Xiamen", "福建", "Fujian", 1.2, "", "110.80"),
    ("福州", "Fuzhou", "福建", "Fujian", 1.1, "", "120.40"),
    ("济南", "Jinan", "山东", "Shandong", 1.1, "", "124.128"),
    ("大连", "Dalian", "辽宁", "Liaoning", 1.0, "", "221.201"),
    ("哈尔滨", "Harbin", "黑龙江", "Heilongjiang", 1.0, "", "112.100"),
    ("南宁", "Nanning", "广西", "Guangxi", 0.9, "", "116.10"),
    ("石家庄", "Shijiazhuang", "河北", "Hebei", 0.9, "", "106.115"),
    ("无锡", "Wuxi", "江苏", "Jiangsu", 0.9, "", "49.64"),
    ("南昌", "Nanchang", "江西", "Jiangxi", 0.8, "", "117.40"),
    ("贵阳", "Guiyang", "贵州", "Guizhou", 0.7, "", "58.42"),
    ("长春", "Changchun", "吉林", "Jilin", 0.7, "", "175.16"),
    ("太原", "Taiyuan", "山西", "Shanxi", 0.6, "", "221.205"),
    ("温州", "Wenzhou", "浙江", "Zhejiang", 0.6, "", "122.228"),
    ("兰州", "Lanzhou", "甘肃", "Gansu", 0.4, "", "61.178"),
    ("海口", "Haikou", "海南", "Hainan", 0.4, "", "124.225"),
    ("乌鲁木齐", "Urumqi", "新疆", "Xinjiang", 0.3, "", "110.157"),
    ("呼和浩特", "Hohhot", "内蒙古", "Inner Mongolia", 0.3, "", "110.16"),
    ("拉萨", "Lhasa", "西藏", "Tibet", 0.1, "", "220.182"),
)

# Common surnames with their pinyin and rough frequency.
SURNAMES = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
    ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0), ("吴", "wu", 1.9), ("周", "zhou", 1.9),
    ("徐", "xu", 1.3), ("孙", "sun", 1.3), ("马", "ma", 1.2), ("朱", "zhu", 1.2), ("胡", "hu", 1.1),
    ("郭", "guo", 1.1), ("何", "he", 1.0), ("林", "lin", 0.9), ("高", "gao", 0.9), ("罗", "luo", 0.9),
    ("郑", "zheng", 0.8), ("梁", "liang", 0.7), ("谢", "xie", 0.6), ("宋", "song", 0.5), ("唐", "tang", 0.5),
    ("许", "xu", 0.5), ("韩", "han", 0.5), ("冯", "feng", 0.5), ("邓", "deng", 0.5), ("曹", "cao", 0.5),
    ("彭", "peng", 0.4), ("曾", "zeng", 0.4), ("肖", "xiao", 0.4), ("田", "tian", 0.4), ("董", "dong", 0.4),
    ("潘", "pan", 0.3), ("袁", "yuan", 0.3), ("蔡", "cai", 0.3), ("蒋", "jiang", 0.3), ("余", "yu", 0.3),
    ("欧阳", "ouyang", 0.05), ("司马", "sima", 0.02),
)

# Given-name characters with pinyin, split by the gender they are most used for.
GIVEN_FEMALE = (
    ("静", "jing"), ("丽", "li"), ("敏", "min"), ("燕", "yan"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"),
    ("娜", "na"), ("芳", "fang"), ("慧", "hui"), ("欣", "xin"), ("怡", "yi"), ("佳", "jia"), ("悦", "yue"),
    ("晨", "chen"), ("雨", "yu"), ("萱", "xuan"), ("诗", "shi"), ("涵", "han"), ("梦", "meng"), ("瑶", "yao"),
    ("璐", "lu"), ("倩", "qian"), ("颖", "ying"), ("露", "lu"), ("晶", "jing"), ("薇", "wei"), ("琪", "qi"),
)
GIVEN_MALE = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("杰", "jie"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"),
    ("浩", "hao"), ("宇", "yu"), ("轩", "xuan"), ("博", "bo"), ("文", "wen"), ("俊", "jun"), ("鑫", "xin"),
    ("凯", "kai"), ("晨", "chen"), ("子", "zi"), ("天", "tian"), ("睿", "rui"), ("航", "hang"), ("健", "jian"),
)

EMAIL_DOMAINS = (
    ("qq.com", 40.0), ("163.com", 20.0), ("126.com", 8.0), ("gmail.com", 7.0), ("outlook.com", 6.0),
    ("foxmail.com", 6.0), ("sina.com", 5.0), ("hotmail.com", 4.0), ("icloud.com", 4.0),
)

# Mobile number prefixes of the three carriers.
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
    "157", "158", "159", "166", "170", "173", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "195", "198", "199",
)

ACQUISITION_CHANNELS = (
    # (code, share, campaign source, campaign medium, campaign names, external referrer)
    ("organic", 0.27, "", "", (), "https://www.baidu.com/link?url=organic"),
    ("paid_search", 0.15, "baidu", "cpc", ("brand_search", "generic_sneakers", "generic_beauty"),
     "https://www.baidu.com/s?wd=ad"),
    ("social_douyin", 0.16, "douyin", "paid_social", ("douyin_live_0801", "douyin_feed_ad", "kol_review"),
     "https://www.douyin.com/"),
    ("social_xiaohongshu", 0.12, "xiaohongshu", "social", ("xhs_note_seeding", "xhs_kol_haul"),
     "https://www.xiaohongshu.com/explore"),
    ("wechat", 0.14, "wechat", "social", ("moments_ad", "official_account_post", "group_share"),
     "https://mp.weixin.qq.com/"),
    ("referral", 0.08, "referral", "referral", ("invite_friend", "share_coupon"), "https://m.example-shop.cn/invite"),
    ("store_walk_in", 0.08, "store", "qr_code", ("store_qr",), ""),
)

PERSONAS = (
    # (code, share, session rate multiplier, add-to-cart multiplier, paid multiplier, basket multiplier)
    ("regular", 0.46, 1.0, 1.0, 1.0, 1.0),
    ("night_owl", 0.08, 1.1, 1.0, 1.0, 1.0),
    ("bargain_hunter", 0.12, 1.2, 1.1, 0.95, 0.7),
    ("big_spender", 0.05, 1.3, 1.3, 1.1, 2.2),
    ("window_shopper", 0.08, 1.3, 0.35, 0.9, 1.0),
    ("churner", 0.10, 1.0, 1.0, 1.0, 1.0),
    ("reactivated", 0.05, 1.0, 1.0, 1.0, 1.0),
    ("store_only", 0.06, 1.0, 1.0, 1.0, 1.0),
)

PLATFORMS = ("web", "ios", "android", "mini_program")

BROWSER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; 23127PN0CC) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0"
    " Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Mobile/15E148 MicroMessenger/8.0.50(0x1800322d) NetType/WIFI Language/zh_CN",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0"
    " Safari/537.36 Edg/128.0.0.0",
    "Mozilla/5.0 (Linux; Android 13; V2238A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0"
    " Mobile Safari/537.36 HuaweiBrowser/14.0.5.301",
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0"
    " Safari/537.36 QIHU 360SE",
)
BROWSER_AGENT_WEIGHTS = (30.0, 12.0, 18.0, 14.0, 12.0, 6.0, 5.0, 3.0)

# Each bot's user agent carries one of these markers; no human user agent contains any of them.
BOT_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36",
    "python-requests/2.32.3",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
)
BOT_MARKERS = ("Googlebot", "bingbot", "Baiduspider", "HeadlessChrome", "python-requests", "YandexBot")

IOS_MODELS = ("iPhone15,2", "iPhone16,1", "iPhone14,5", "iPhone16,2", "iPhone13,2")
ANDROID_MODELS = ("HUAWEI Mate 60", "Xiaomi 14", "OPPO Reno11", "vivo X100", "HONOR 90", "Redmi K70")
APP_VERSIONS = ("5.8.2", "5.9.0", "5.9.1", "6.0.0", "6.0.3")
MINI_PROGRAM_VERSIONS = ("3.2.0", "3.2.1", "3.3.0")
LOCALES = ("zh-CN", "zh-CN", "zh-CN", "zh-CN", "zh-CN", "zh-CN", "zh-CN", "zh-TW", "en-US")

# Page (web) and screen (app, mini program) names; the index is shared by both call types.
PAGE_NAMES = (
    "Home", "Category", "Product Detail", "Cart", "Checkout", "Search Results", "Order Confirmation", "Account",
)
PAGE_PATHS = ("/", "/category/", "/product/", "/cart", "/checkout", "/search", "/order/success", "/account")
PAGE_TITLES = ("首页", "分类", "商品详情", "购物车", "结算", "搜索结果", "支付成功", "我的")

SEARCH_QUERIES = (
    "跑步鞋", "运动鞋 男", "篮球鞋", "口红", "防晒霜", "面膜", "卫衣", "羽绒服", "连衣裙", "蓝牙耳机", "充电宝",
    "手机壳", "空气炸锅", "保温杯", "零食大礼包", "咖啡", "儿童书包", "乐高", "nike air", "adidas samba",
    "iphone 16 壳", "lancome", "new balance 990", "小米手环", "李宁 韦德", "安踏 氮科技",
)
SHARE_TARGETS = ("wechat", "wechat_moments", "weibo", "qq", "copy_link")
SIGN_UP_METHODS = ("phone", "wechat", "email", "apple_id")
SIGN_IN_METHODS = ("sms_code", "password", "wechat", "apple_id")

# Event names the tracking plan does not know: old SDK names, debug calls, typos.
UNPLANNED_EVENTS = (
    "prod_view_v2", "debug_ping", "Product Clicked", "product_viewed", "Checkout Step Viewed", "test_event",
    "Add To Cart",
)
UNPARSEABLE_TIMESTAMPS = ("yesterday", "N/A", "0000-00-00T00:00:00Z", "2026-13-45T25:61:00Z", "{{timestamp}}",
                          "not a date", "")

PAYMENT_METHODS = ("wechat_pay", "alipay", "card", "cash", "union_pay")
# Share of each payment method by order channel: web, app, mini_program, store.
PAYMENT_WEIGHTS = (
    (0.30, 0.52, 0.08, 0.0, 0.10),
    (0.46, 0.46, 0.03, 0.0, 0.05),
    (0.96, 0.02, 0.0, 0.0, 0.02),
    (0.46, 0.30, 0.08, 0.08, 0.08),
)

COUPONS = (
    # (code, percent off, cap in yuan)
    ("NEWUSER20", 20, 30), ("MANJIAN50", 10, 50), ("VIP15", 15, 80), ("FLASH10", 10, 20), ("BDAY30", 30, 60),
)

TIERS = ("bronze", "silver", "gold", "platinum")

TICKET_CATEGORIES = ("delivery", "refund", "product_quality", "account", "other")
# Satisfaction (1-5) weights per category: product quality and refunds are the unhappy ones.
TICKET_SATISFACTION_WEIGHTS = (
    (0.10, 0.15, 0.25, 0.30, 0.20),
    (0.18, 0.20, 0.25, 0.22, 0.15),
    (0.25, 0.25, 0.22, 0.18, 0.10),
    (0.03, 0.05, 0.15, 0.35, 0.42),
    (0.05, 0.08, 0.20, 0.35, 0.32),
)
TICKET_CHANNELS = ("phone", "wechat", "email", "in_app")
TICKET_TEXTS = (
    ("快递三天了还没到，麻烦查一下物流", "物流信息一直不更新", "包裹显示已签收但我没收到", "能不能改一下收货地址"),
    ("申请退款一周了还没到账", "退货已经寄回，什么时候退款", "优惠券退款后没有返还", "想取消订单并退款"),
    ("鞋子开胶了，才穿两次", "收到的口红颜色和图片不一样", "耳机左耳没有声音", "衣服有线头，质量一般"),
    ("手机号换了，怎么改绑定", "收不到验证码登录不了", "会员积分不见了", "想注销账号"),
    ("有没有实体店可以试穿", "发票怎么开", "双11什么时候开始", "请问这个商品还会补货吗"),
)

CAMPAIGN_CHANNELS = ("sms", "push", "email", "wechat")
CAMPAIGN_THEMES = ("会员日专享", "新品上市", "老客回流券", "限时闪购", "周末特惠", "品牌日")

# Month-day promotions of the Chinese retail calendar: (month, day, traffic multiplier, promotion id, name).
PROMOTIONS = (
    (1, 1, 1.3, "new_year", "元旦焕新"),
    (3, 8, 1.6, "goddess_day", "女神节"),
    (5, 20, 1.4, "day_520", "520告白日"),
    (6, 1, 1.3, "mid_year_warmup", "618预热"),
    (6, 18, 2.4, "mid_year_618", "618年中大促"),
    (8, 8, 1.3, "sports_day", "88运动节"),
    (9, 9, 1.8, "sale_99", "99大促"),
    (10, 1, 1.3, "national_day", "国庆焕新季"),
    (10, 2, 1.25, "national_day", "国庆焕新季"),
    (10, 3, 1.2, "national_day", "国庆焕新季"),
    (10, 24, 2.2, "double11_presale", "双11预售开启"),
    (10, 25, 1.5, "double11_presale", "双11预售"),
    (11, 10, 1.8, "double11", "双11狂欢"),
    (11, 11, 3.0, "double11", "双11狂欢"),
    (12, 12, 2.0, "double12", "双12"),
)
EVERGREEN_PROMOTIONS = ("new_user_gift", "member_day", "free_shipping", "flash_sale")
