/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic header for the tree-audit tests: what a tree scan must get right.
 * page_mapcount(page) > 1 in this comment is not a use,
 * nor is folio_mapcount(folio) != 1 here.
 */
#ifndef _LINUX_MAPCOUNT_HELPERS_H
#define _LINUX_MAPCOUNT_HELPERS_H

int page_mapcount(struct page *page);
extern int
folio_mapcount(struct folio *folio);

static inline bool
folio_is_shared_hint(struct folio *folio)
{
	return folio_mapcount(folio) > 1;
}

static __always_inline int folio_estimated_sharers(struct folio *folio)
{
	return page_mapcount(folio_page(folio, 0));
}

#define folio_shared_macro(folio)				\
	(folio_mapcount(folio) > 1 &&				\
	 !folio_test_anon(folio))

#define PAGE_MAPCOUNT_DOC	"page_mapcount(page) is per page"
#define SAMPLE_SHARED(p)	(page_mapcount(p) > 1)

#endif /* _LINUX_MAPCOUNT_HELPERS_H */
