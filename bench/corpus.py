"""The generated directory the benchmarks search: entries in several languages, in one
big guild and a few small ones, with the queries people type (common words, phrases,
typos, filters). Used by bench/search.py, bench/interaction.py and bench/load.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomysql
import asyncpg
import sqlalchemy as sa

from storage.db import Database
from storage.models import Area, Entry, EntryKind, Status, Steward
from storage.search import SearchFilters
from storage.text import fold, search_document

GUILD = 1_000_000_000_000_000_001
OTHER_GUILDS = [1_000_000_000_000_000_002 + n for n in range(3)]
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
MARIADB_SERVER = "mysql+aiomysql://root@127.0.0.1:3306"

# --- corpus: places, organisations, topics and templates per language -------------------


def _words(text: str) -> list[str]:
    return text.split()


PLACES = _words(
    "Madrid Barcelona Sevilla Málaga Córdoba Valencia Bilbao Zaragoza Granada Oviedo Bogotá "
    "Medellín Quito Lima Cusco Santiago Valparaíso Montevideo Asunción Caracas Mérida Oaxaca "
    "Guadalajara Puebla Rosario Mendoza Paris Lyon Marseille Besançon Nîmes Rennes Nantes "
    "Lille Strasbourg Grenoble Genève Lausanne Québec Montréal Dakar Abidjan Berlin München "
    "Köln Hamburg Zürich Wien Graz Dresden Leipzig Nürnberg Düsseldorf Lisboa Porto Coimbra "
    "Braga Évora Recife Salvador Curitiba Belém Manaus Luanda Maputo London Manchester Leeds "
    "Cardiff Edinburgh Glasgow Dublin Cork Toronto Ottawa Boston Chicago Nairobi Accra Lagos "
    "Kampala Roma Milano Torino Napoli Bologna Firenze Kraków Praha Budapest Tallinn"
)
SURNAMES = _words(
    "García Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Dupont Lefèvre "
    "Moreau Girard Bonnet Müller Schmidt Schneider Fischer Weber Becker Silva Santos Oliveira "
    "Souza Pereira Costa Smith Johnson Brown Taylor Wilson Rossi Russo Ferrari Esposito"
)
FAMOUS = (
    "OpenStreetMap Foundation|Internet Archive|Creative Commons|Mozilla Foundation|Europeana|"
    "UNESCO|Smithsonian Institution|Open Knowledge Foundation|Kiwix|Rijksmuseum|Museo del Prado|"
    "Biblioteca Nacional de España|Bibliothèque nationale de France|Deutsche Nationalbibliothek|"
    "Fundación Telefónica|Instituto Cervantes|Goethe-Institut|Alliance française"
)
# Per language, "|"-separated: organisations ({p}lace, {s}urname, {c}ountry), then below
# topics, entry names ({t}opic, {o}rganisation) and summary sentences.
ORGANISATIONS = {
    "es": "Universidad de {p}|Biblioteca Pública de {p}|Museo de Bellas Artes de {p}|"
    "Archivo Histórico de {p}|Fundación {s}|Ayuntamiento de {p}|Asociación Cultural {s}|"
    "Wikimedia {c}",
    "fr": "Université de {p}|Bibliothèque municipale de {p}|Musée des Beaux-Arts de {p}|"
    "Archives départementales de {p}|Fondation {s}|Association {s} pour le savoir",
    "de": "Universität {p}|Stadtbibliothek {p}|Stadtmuseum {p}|Stiftung {s}|Landesarchiv {p}|"
    "Verein Freies Wissen {p}",
    "pt": "Universidade de {p}|Biblioteca Municipal de {p}|Museu de Arte de {p}|"
    "Arquivo Histórico de {p}|Fundação {s}|Associação Cultural {s}",
    "en": "University of {p}|{p} Public Library|{p} City Museum|{p} Historical Society|"
    "{s} Foundation|{p} Community Archive",
}
COUNTRIES = _words("España Argentina México Colombia Chile Venezuela Uruguay Perú Bolivia Ecuador")
TOPICS = {
    "es": "historia local|mujeres científicas|patrimonio industrial|arte contemporáneo|"
    "lenguas indígenas|biodiversidad|arquitectura colonial|música tradicional|"
    "educación abierta|memoria histórica|gastronomía regional|fotografía antigua",
    "fr": "histoire locale|femmes scientifiques|patrimoine industriel|art contemporain|"
    "langues régionales|biodiversité|architecture romane|musique traditionnelle|"
    "éducation ouverte|cartes anciennes|gastronomie régionale|photographie ancienne",
    "de": "Stadtgeschichte|Wissenschaftlerinnen|Industriekultur|Gegenwartskunst|"
    "Regionalsprachen|Artenvielfalt|Baudenkmäler|Volksmusik|freie Bildung|"
    "historische Karten|regionale Küche|historische Fotografie",
    "pt": "história local|mulheres cientistas|património industrial|arte contemporânea|"
    "línguas indígenas|biodiversidade|arquitetura colonial|música tradicional|"
    "educação aberta|mapas antigos|gastronomia regional|fotografia antiga",
    "en": "local history|women in science|industrial heritage|contemporary art|"
    "minority languages|biodiversity|historic buildings|folk music|open education|"
    "old maps|regional cuisine|early photography",
}
NAMES = {
    "es": "Editatón de {t} en {o}|Digitalización del {o}|Wiki Loves Monuments {p}|"
    "Programa de {t} con {o}|Wikiproyecto {t} {p}|Alianza {o}",
    "fr": "Wikithon {t} à {o}|Numérisation des collections {o}|Projet {t} {p}|Partenariat {o}|"
    "Contributhon {t} {p}",
    "de": "Schreibwettbewerb {t} {p}|Digitalisierung {o}|WikiProjekt {t} {p}|Kooperation {o}|"
    "Fotowettbewerb {t} {p}",
    "pt": "Editatona de {t} na {o}|Digitalização do {o}|Wikiprojeto {t} {p}|Parceria {o}|"
    "Maratona de {t} em {p}",
    "en": "{t} edit-a-thon at {o}|{o} GLAM partnership|Wikisource transcription {p}|"
    "{t} photo contest {p}|{o} residency|OpenStreetMap mapping {t} {p}",
}
SUMMARIES = {
    "es": "Colaboración con {o} para mejorar los artículos sobre {t} en Wikipedia.|"
    "Los voluntarios documentan {t} de {p} y suben imágenes libres a Commons.|"
    "Talleres mensuales de edición con estudiantes y bibliotecarios.",
    "fr": "Collaboration avec {o} pour enrichir Wikipédia sur {t}.|"
    "Les bénévoles documentent {t} à {p} et versent des images sur Commons.|"
    "Ateliers mensuels avec des étudiants et des bibliothécaires.",
    "de": "Zusammenarbeit mit {o}, um Wikipedia-Artikel über {t} zu verbessern.|"
    "Ehrenamtliche dokumentieren {t} in {p} und laden freie Bilder hoch.|"
    "Monatliche Schreibwerkstätten mit Studierenden und Bibliotheken.",
    "pt": "Colaboração com {o} para melhorar os artigos sobre {t} na Wikipédia.|"
    "Voluntários documentam {t} em {p} e carregam imagens livres no Commons.|"
    "Oficinas mensais de edição com estudantes e bibliotecários.",
    "en": "A collaboration with {o} to improve Wikipedia coverage of {t}.|"
    "Volunteers document {t} in {p} and upload freely licensed images to Commons.|"
    "Monthly editing workshops with students and librarians.",
}
MEASURES = "{n} articles created or improved; {m} images uploaded; {k} new editors retained"
SYLLABLES = _words("ta ve ra mon cru lo mi sa ni go be dor lan que vi ro sel tur ma nel fa zu ki")
LANGUAGES = list(NAMES)


def _pick(rng: random.Random, options: str) -> str:
    return rng.choice(options.split("|"))


def _invented(rng: random.Random) -> str:
    """A made-up proper noun: the long tail of rare words (people, villages, collections)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _organisation(rng: random.Random, lang: str) -> str:
    if rng.random() < 0.1:
        return _pick(rng, FAMOUS)
    pattern = _pick(rng, ORGANISATIONS[lang])
    return pattern.format(p=rng.choice(PLACES), s=rng.choice(SURNAMES), c=rng.choice(COUNTRIES))


def _row(rng: random.Random, guild_id: int, name: str, lang: str, now: datetime) -> dict[str, Any]:
    topic, place = _pick(rng, TOPICS[lang]), rng.choice(PLACES)
    partners = ", ".join(_organisation(rng, lang) for _ in range(rng.randint(1, 3)))
    sentences = rng.sample(SUMMARIES[lang].split("|"), 2)
    summary = " ".join(s.format(o=partners.split(", ")[0], t=topic, p=place) for s in sentences)
    summary += f" {_invented(rng)} {rng.choice(SURNAMES)}."
    kind = rng.choice(list(EntryKind))
    steward = rng.choice(list(Steward))
    chapter = f"Wikimedia {rng.choice(COUNTRIES)}" if steward == Steward.CHAPTER else None
    measures = None
    if kind == EntryKind.PARTNERSHIP:
        measures = MEASURES.format(
            n=rng.randint(10, 500), m=rng.randint(10, 900), k=rng.randint(2, 40)
        )
    updated = now - timedelta(minutes=rng.randint(0, 500_000))
    return {
        "guild_id": guild_id,
        "kind": kind.value,
        "name": name,
        "name_key": fold(name),
        "partners": partners,
        "area": rng.choice(list(Area)).value,
        "steward": steward.value,
        "chapter_name": chapter,
        "status": rng.choices(list(Status), weights=[15, 40, 20, 5, 15, 5])[0].value,
        "summary": summary,
        "search_text": search_document(name, partners, summary, measures, chapter),
        "links": [],
        "success_measures": measures,
        "is_model": rng.random() < 0.02,
        "support_count": rng.randint(0, 30),
        "created_at": updated - timedelta(days=rng.randint(0, 900)),
        "updated_at": updated,
    }


def generate(rng: random.Random, guild_id: int, count: int) -> Iterator[dict[str, Any]]:
    """`count` entries with names unique per guild (as the service's fold(name) key requires)."""
    now, seen = datetime.now(UTC), set[str]()
    while len(seen) < count:
        lang = rng.choice(LANGUAGES)
        name = _pick(rng, NAMES[lang]).format(
            t=_pick(rng, TOPICS[lang]),
            o=_organisation(rng, lang),
            p=rng.choice(PLACES),
        )
        if rng.random() < 0.3:
            name += f" {_invented(rng)}"
        name = name[:1].upper() + name[1:]
        if fold(name) in seen:
            name = f"{name} {rng.randint(2005, 2030)}"
        if fold(name) in seen or len(name) > 100:
            continue
        seen.add(fold(name))
        yield _row(rng, guild_id, name, lang, now)


async def fill(db: Database, entries: int, rng: random.Random) -> tuple[float, list[dict]]:
    """Bulk-insert the corpus, the smaller guilds' entries interleaved as they would be
    created; returns the seconds taken and a sample of the main guild's rows."""
    started = time.perf_counter()
    table = Entry.__table__  # type: ignore[attr-defined]
    plan = {GUILD: entries} | dict.fromkeys(OTHER_GUILDS, 1_000)
    sources = {guild_id: generate(rng, guild_id, count) for guild_id, count in plan.items()}
    batch: list[dict[str, Any]] = []
    sample: list[dict[str, Any]] = []
    async with db.transaction() as session:
        while plan:
            guild_id = rng.choices(list(plan), weights=list(plan.values()))[0]
            row = next(sources[guild_id])
            plan[guild_id] -= 1
            if not plan[guild_id]:
                del plan[guild_id]
            if guild_id == GUILD and rng.random() < 0.02:
                sample.append(row)
            batch.append(row)
            if len(batch) == 5_000 or not plan:
                await session.exec(sa.insert(table), params=batch)
                batch.clear()
    return time.perf_counter() - started, sample


# --- queries ---------------------------------------------------------------------------

COMMON = [
    "wikipedia",
    "commons",
    "museum",
    "biblioteca",
    "universidad",
    "voluntarios",
    "archives",
    "wikimedia",
    "foundation",
    "bibliotheque",
    "historia local",
    "open education",
    "patrimonio industrial",
    "photo contest",
    "digitalizacion",
    "stadtbibliothek",
]
PHRASES = [
    '"historia local"',
    '"women in science" -commons',
    "museo OR museum",
    '"patrimoine industriel" lyon',
    '"open education" OR "educacion abierta"',
    '"biblioteca nacional" -madrid',
    '"wiki loves monuments"',
    "archivo -historico",
]


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word) - 1)
    match rng.randrange(4):
        case 0:
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        case 1:
            return word[:at] + word[at + 1 :]
        case 2:
            return word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
        case _:
            return word[:at] + rng.choice("aeiourstn") + word[at:]


def typoed_fragment(rng: random.Random, name: str, words: int) -> str:
    """Up to `words` words of a name around a long one, which gets a typo."""
    parts = fold(name).split()
    at = max(range(len(parts)), key=lambda i: (len(parts[i]) >= 6, rng.random()))
    start = max(0, min(at - rng.randrange(words), len(parts) - words))
    if len(parts[at]) >= 4:
        parts[at] = _typo(rng, parts[at])
    return " ".join(parts[start : start + words])


def random_filters(rng: random.Random) -> SearchFilters:
    filters = SearchFilters()
    for _ in range(rng.choice([1, 1, 2])):
        match rng.randrange(5):
            case 0:
                filters.status = rng.choice([Status.ACTIVE, Status.COMPLETED, Status.PROPOSED])
            case 1:
                filters.area = rng.choice(list(Area))
            case 2:
                filters.kind = rng.choice(list(EntryKind))
            case 3:
                filters.steward = rng.choice(list(Steward))
            case _:
                filters.models_only = True
    return filters


async def analyze(db: Database) -> None:
    """Fresh statistics, as autovacuum / `PRAGMA optimize` would keep them."""
    if db.dialect == "sqlite":
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")
            await connection.commit()
        return
    async with db.engine.connect() as connection:
        if db.dialect != "postgresql":  # MariaDB
            await connection.exec_driver_sql("ANALYZE TABLE entry")
            return
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")  # entry and the search vocabulary


async def admin(statement: str, backend: str = "postgresql") -> None:
    if backend == "mariadb":
        url = sa.engine.make_url(MARIADB_SERVER)
        mariadb = await aiomysql.connect(host=url.host, port=url.port, user=url.username)
        try:
            async with mariadb.cursor() as cursor:
                await cursor.execute(statement)
        finally:
            mariadb.close()
        return
    connection = await asyncpg.connect(PG_SERVER.replace("+asyncpg", "") + "/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_database(backend: str, name: str) -> tuple[str, str]:
    """A new empty database on the backend's server: its URL and the statement that drops it."""
    if backend == "mariadb":
        await admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", backend)
        return f"{MARIADB_SERVER}/{name}", f"DROP DATABASE IF EXISTS `{name}`"
    await admin(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
