/* SPDX-License-Identifier: GPL-2.0 */
/* Excerpt for the tree-audit tests (see ../../README.md). */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

/*
 * Mapcount of compound page as a whole, does not include mapped sub-pages.
 * Must be called only on head of compound page.
 */
static inline int head_compound_mapcount(struct page *head)
{
	return atomic_read(compound_mapcount_ptr(head)) + 1;
}

static inline int page_mapcount(struct page *page)
{
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (likely(!PageCompound(page)))
		return mapcount;
	return folio_entire_mapcount(page_folio(page)) + mapcount;
}

int folio_total_mapcount(struct folio *folio);

/**
 * folio_mapcount() - Calculate the number of mappings of this folio.
 * @folio: The folio.
 */
static inline int folio_mapcount(struct folio *folio)
{
	if (likely(!folio_test_large(folio)))
		return atomic_read(&folio->_mapcount) + 1;
	return folio_total_mapcount(folio);
}

static inline int total_mapcount(struct page *page)
{
	if (likely(!PageCompound(page)))
		return atomic_read(&page->_mapcount) + 1;
	return folio_total_mapcount(page_folio(page));
}

/**
 * folio_estimated_sharers - Estimate the number of sharers of a folio.
 * @folio: The folio.
 *
 * folio_estimated_sharers() aims to serve as a function to efficiently
 * estimate the number of processes sharing a folio. This is done by
 * looking at the precise mapcount of the first subpage in the folio, and
 * assuming the other subpages are the same.
 */
static inline int folio_estimated_sharers(struct folio *folio)
{
	return page_mapcount(folio_page(folio, 0));
}

#endif /* _LINUX_MM_H */
