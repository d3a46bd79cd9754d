"""The engine's stand-in when the installed Whoosh is not the one storage.py was written for.

Matching and ranking are Whoosh's own searcher (its BM25F, the same parameters): slower,
correct. Filter sets and columns are read through Whoosh's public interface (storage.py
takes its generic paths when its check failed), and a new searcher is warmed from nothing.
"""
from pyroaring import FrozenBitMap

from portal.search.engine import matching as engine_matching
from portal.search.engine import postings as engine_postings
from portal.search.engine.cache import FilterCache
from portal.search.query import to_query


class WhooshCache(FilterCache):
    """FilterCache whose matching and ranking are Whoosh's searcher's."""

    fast = False

    def _characters(self, field_name, char) -> list:
        """Terms of the index containing the Chinese character `char` (a ("chars", 灯) word)."""
        terms = set()
        for reader, _offset in engine_postings.leaves(self.searcher):
            terms.update(engine_postings.han_table(reader, field_name, None).get(char, ()))
        return sorted(terms)

    def _query(self, groups, fields):
        return to_query(groups, fields, characters=self._characters)

    def matching(self, groups, fields, within=()) -> FrozenBitMap:
        """Documents Whoosh finds for the query and in every set of `within` (none: all)."""
        query = self._query(groups, fields)
        found = self.all() if query is None else \
            FrozenBitMap(self.searcher.docs_for_query(query)) - self.deleted()
        for docs in within:
            found = found & docs
        return found

    def ranking(self, groups, fields, candidates, limit, newest=False) -> list:
        """Whoosh's best `limit` of `candidates` (by creation time without words, or newest)."""
        query = self._query(groups, fields)
        if newest or query is None:
            return engine_matching.newest(self, candidates, limit)
        # Every match is scored (limit=None): Whoosh's limited collector can leave part of a
        # document's score uncounted (a word's postings skipped once they seem unable to lift
        # it into the top `limit`) and rank it below documents it outscores.
        results = self.searcher.search(query, filter=set(candidates), limit=None)
        return [hit.docnum for hit in results[:limit]]

    def carry_over(self, previous) -> bool:
        """Never: a fallback cache is always built from nothing."""
        return False
