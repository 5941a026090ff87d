// SPDX-License-Identifier: GPL-2.0
/* Excerpt for the tree-audit tests (see ../README.md). */
#include <linux/mm.h>

static bool is_refcount_suitable(struct page *page)
{
	int expected_refcount;

	expected_refcount = total_mapcount(page);
	if (PageSwapCache(page))
		expected_refcount += compound_nr(page);

	return page_count(page) == expected_refcount;
}

static int hpage_collapse_scan_pmd(struct mm_struct *mm,
				   struct vm_area_struct *vma,
				   unsigned long address, bool *mmap_locked,
				   struct collapse_control *cc)
{
	int result = SCAN_FAIL;
	struct page *page = NULL;
	/* ... */
	/*
	 * Check if the page has any GUP (or other external) pins.
	 *
	 * Here the check may be racy:
	 * it may see total_mapcount > refcount in some cases?
	 */
	if (page_mapcount(page) > 1) {
		++shared;
		if (cc->is_khugepaged &&
		    shared > khugepaged_max_ptes_shared) {
			result = SCAN_EXCEED_SHARED_PTE;
			goto out_unmap;
		}
	}
	/* ... */
out_unmap:
	return result;
}
