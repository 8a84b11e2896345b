"""The product catalog: a few hundred SKUs across the categories of a Chinese lifestyle retailer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orchestration.demo_data.text import format_digits

# category code -> (share of traffic, [(subcategory, price low, price high, item words)], [brands])
CATEGORIES = {
    "sports_shoes": (0.20, [
        ("跑步鞋", 299, 1299, ("竞速跑鞋", "缓震跑鞋", "轻量跑鞋")),
        ("篮球鞋", 399, 1599, ("实战篮球鞋", "高帮篮球鞋")),
        ("休闲鞋", 199, 899, ("复古板鞋", "德训鞋", "老爹鞋")),
    ], ("Nike", "adidas", "李宁", "安踏", "特步", "New Balance", "ASICS", "361°")),
    "apparel": (0.20, [
        ("卫衣", 129, 599, ("连帽卫衣", "圆领卫衣")),
        ("T恤", 59, 299, ("纯棉T恤", "速干T恤", "印花T恤")),
        ("外套", 299, 1999, ("羽绒服", "冲锋衣", "夹克")),
        ("裤装", 99, 599, ("运动裤", "牛仔裤", "阔腿裤")),
    ], ("优衣库", "ZARA", "太平鸟", "波司登", "Lululemon", "李宁", "安踏", "H&M")),
    "beauty": (0.18, [
        ("彩妆", 79, 459, ("口红", "粉底液", "眼影盘")),
        ("护肤", 99, 1299, ("精华液", "面霜", "防晒霜", "面膜")),
        ("香水", 299, 1499, ("淡香水", "香氛礼盒")),
    ], ("完美日记", "花西子", "兰蔻", "雅诗兰黛", "薇诺娜", "珀莱雅", "SK-II", "欧莱雅")),
    "electronics": (0.14, [
        ("耳机", 99, 1999, ("真无线耳机", "降噪耳机", "运动耳机")),
        ("手机配件", 29, 299, ("手机壳", "充电宝", "快充头")),
        ("智能穿戴", 199, 2999, ("智能手环", "智能手表")),
    ], ("小米", "华为", "Apple", "漫步者", "OPPO", "大疆", "倍思", "Anker")),
    "home": (0.12, [
        ("厨房电器", 149, 1299, ("空气炸锅", "电饭煲", "破壁机")),
        ("家居日用", 19, 199, ("保温杯", "收纳箱", "香薰蜡烛")),
        ("床品", 99, 899, ("四件套", "乳胶枕")),
    ], ("无印良品", "宜家", "苏泊尔", "美的", "九阳", "膳魔师", "网易严选")),
    "food": (0.10, [
        ("零食", 19, 129, ("坚果礼盒", "零食大礼包", "牛肉干")),
        ("饮品", 29, 199, ("气泡水整箱", "挂耳咖啡", "茶叶礼盒")),
    ], ("三只松鼠", "良品铺子", "元气森林", "星巴克", "蒙牛", "百草味")),
    "kids": (0.06, [
        ("童装", 69, 399, ("儿童卫衣", "儿童运动鞋")),
        ("玩具", 49, 999, ("积木套装", "益智拼图")),
        ("母婴用品", 59, 299, ("纸尿裤", "婴儿湿巾")),
    ], ("巴拉巴拉", "好孩子", "乐高", "帮宝适", "安踏儿童", "Disney")),
}
PRODUCTS_PER_SUBCATEGORY = 24
PRICE_ENDINGS = np.array([0.0, 0.0, 9.0, 9.0, 8.0, 0.9])
SERIES = ("经典款", "2026新款", "联名款", "Pro", "轻享版", "限定色", "")


@dataclass(frozen=True)
class Catalog:
    """Products as parallel arrays; row i is product i everywhere in the generator."""

    sku: pa.StringArray
    product_id: pa.StringArray
    product_name: pa.StringArray
    category: pa.StringArray
    subcategory: pa.StringArray
    brand: pa.StringArray
    category_index: np.ndarray
    list_price_cents: np.ndarray
    popularity: np.ndarray
    category_names: tuple[str, ...]
    category_shares: np.ndarray

    def __len__(self) -> int:
        return len(self.sku)

    def table(self) -> pa.Table:
        """The products file of the raw contract."""
        return pa.table({
            "sku": self.sku,
            "product_name": self.product_name,
            "category": self.category,
            "subcategory": self.subcategory,
            "brand": self.brand,
            "list_price": pa.array(self.list_price_cents / 100.0, pa.float64()),
        })


def build_catalog(random: np.random.Generator) -> Catalog:
    """Build ~450 products with prices, brands and a heavy-tailed popularity."""
    names, categories, subcategories, brands, category_indexes, prices = [], [], [], [], [], []
    category_names = tuple(CATEGORIES)
    for category_index, (category, (_, subcategory_specs, brand_names)) in enumerate(CATEGORIES.items()):
        for subcategory, low, high, words in subcategory_specs:
            for _ in range(PRODUCTS_PER_SUBCATEGORY):
                brand = brand_names[random.integers(len(brand_names))]
                word = words[random.integers(len(words))]
                series = SERIES[random.integers(len(SERIES))]
                names.append(f"{brand} {word} {series}".strip())
                categories.append(category)
                subcategories.append(subcategory)
                brands.append(brand)
                category_indexes.append(category_index)
                price = np.exp(random.uniform(np.log(low), np.log(high)))
                price = np.floor(price / 10) * 10 + PRICE_ENDINGS[random.integers(len(PRICE_ENDINGS))]
                prices.append(int(round(max(price, 9.9) * 100)))
    count = len(names)
    numbers = 100_000 + random.permutation(count) * 37 % 900_000
    popularity = random.pareto(1.2, count) + 0.05
    return Catalog(
        sku=format_digits(numbers, 6, b"SKU"),
        product_id=format_digits(numbers, 6, b"prd_"),
        product_name=pa.array(names, pa.string()),
        category=pa.array(categories, pa.string()),
        subcategory=pa.array(subcategories, pa.string()),
        brand=pa.array(brands, pa.string()),
        category_index=np.array(category_indexes, dtype=np.int16),
        list_price_cents=np.array(prices, dtype=np.int64),
        popularity=popularity / popularity.sum(),
        category_names=category_names,
        category_shares=np.array([spec[0] for spec in CATEGORIES.values()]),
    )
