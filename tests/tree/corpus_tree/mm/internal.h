/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Made up for the tree-audit tests (see ../README.md). */
#ifndef __MM_INTERNAL_H
#define __MM_INTERNAL_H

/* folio_mapcount() counts every page: a PTE-mapped large folio looks shared. */
static inline bool folio_maybe_exclusive(struct folio *folio)
{
	return folio_mapcount(folio) == 1;
}

#endif	/* __MM_INTERNAL_H */
