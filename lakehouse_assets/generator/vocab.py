"""Fixed vocabularies of the synthetic sources.

Kept in one place so the generator, the tests and anyone reading the data agree on the clean
domain of every categorical column; the dirt module derives its mis-cased variants from these.
"""

from lakehouse_assets.contracts import (  # noqa: F401 - re-exported for the generator's modules
    CATEGORY_TREE,
    CHANNELS,
    COUNTRIES,
    CURRENCIES,
    LOYALTY_TIERS,
    PAYMENT_METHODS,
    STATUSES,
)

# ISO-2 country -> Faker locale, so a customer's name, city and phone look like the country's.
COUNTRY_LOCALES: dict[str, str] = {
    "US": "en_US",
    "GB": "en_GB",
    "DE": "de_DE",
    "FR": "fr_FR",
    "ES": "es_ES",
    "IT": "it_IT",
    "NL": "nl_NL",
    "CA": "en_CA",
    "AU": "en_AU",
    "BR": "pt_BR",
}
COUNTRY_WEIGHTS: tuple[float, ...] = (0.35, 0.12, 0.1, 0.08, 0.07, 0.07, 0.05, 0.06, 0.05, 0.05)

LOYALTY_WEIGHTS: tuple[float, ...] = (0.5, 0.3, 0.15, 0.05)

CURRENCY_WEIGHTS: tuple[float, ...] = (0.6, 0.25, 0.15)
PAYMENT_WEIGHTS: tuple[float, ...] = (0.4, 0.25, 0.2, 0.1, 0.05)
CHANNEL_WEIGHTS: tuple[float, ...] = (0.5, 0.3, 0.2)
STATUS_WEIGHTS: tuple[float, ...] = (0.85, 0.07, 0.05, 0.03)
# Small baskets dominate real retail data; quantity 1..10.
QUANTITY_WEIGHTS: tuple[float, ...] = (0.35, 0.25, 0.15, 0.08, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01)

# category -> subcategory -> (product nouns, (min price, max price) in whole currency units)
CATEGORIES: dict[str, dict[str, tuple[tuple[str, ...], tuple[int, int]]]] = {
    "Electronics": {
        "Phones": (("Smartphone", "Phone Case", "Charger"), (15, 1200)),
        "Laptops": (("Laptop", "Ultrabook", "Laptop Sleeve"), (300, 2500)),
        "Audio": (("Headphones", "Earbuds", "Speaker"), (20, 400)),
    },
    "Clothing": {
        "Men": (("Shirt", "Jacket", "Jeans"), (15, 250)),
        "Women": (("Dress", "Blouse", "Coat"), (15, 300)),
        "Kids": (("T-Shirt", "Hoodie", "Pyjamas"), (8, 80)),
    },
    "Home & Garden": {
        "Kitchen": (("Knife Set", "Blender", "Pan"), (10, 300)),
        "Furniture": (("Chair", "Desk", "Bookshelf"), (40, 900)),
        "Garden": (("Hose", "Planter", "Lawn Mower"), (10, 600)),
    },
    "Sports": {
        "Fitness": (("Yoga Mat", "Dumbbell Set", "Kettlebell"), (10, 300)),
        "Outdoor": (("Tent", "Backpack", "Sleeping Bag"), (25, 500)),
        "Cycling": (("Helmet", "Bike Light", "Bicycle"), (15, 1500)),
    },
    "Books": {
        "Fiction": (("Novel", "Thriller", "Short Stories"), (5, 40)),
        "Non-Fiction": (("Biography", "History Book", "Cookbook"), (8, 60)),
        "Children": (("Picture Book", "Activity Book", "Fairy Tales"), (4, 25)),
    },
    "Toys": {
        "Games": (("Board Game", "Puzzle", "Card Game"), (8, 80)),
        "Building": (("Building Set", "Construction Kit", "Marble Run"), (15, 200)),
        "Dolls": (("Doll", "Action Figure", "Plush Toy"), (8, 70)),
    },
    "Beauty": {
        "Skincare": (("Moisturizer", "Serum", "Cleanser"), (6, 120)),
        "Makeup": (("Lipstick", "Mascara", "Foundation"), (5, 60)),
        "Fragrance": (("Perfume", "Eau de Toilette", "Body Mist"), (15, 200)),
    },
    "Grocery": {
        "Snacks": (("Chips", "Cookies", "Granola Bars"), (1, 15)),
        "Beverages": (("Coffee Beans", "Green Tea", "Sparkling Water"), (2, 40)),
        "Pantry": (("Olive Oil", "Pasta", "Rice"), (1, 30)),
    },
}

# The generator's catalogue must cover exactly the contract's category domain.
assert {c: tuple(subs) for c, subs in CATEGORIES.items()} == CATEGORY_TREE
assert tuple(COUNTRY_LOCALES) == COUNTRIES
