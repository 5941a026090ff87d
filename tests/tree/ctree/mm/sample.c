// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic source for the tree-audit tests (never compiled).
 */
#include <linux/mapcount_helpers.h>

static int __always_inline
sample_multi_line(struct vm_area_struct *vma,
		  struct page *page,
		  unsigned long addr)
{
	/* a block comment with page_mapcount(page) */
	if (page_mapcount(page) > 1)	// and total_mapcount(page) in a line comment
		return -EBUSY;
	pr_info("page_mapcount(page)=%d\n", page_mapcount(page));
	vma->ops->page_mapcount(page);
	return 0;
}

/*
 * A comment body that looks like code:
 *	if (folio_mapcount(folio) != 1)
 *		return;
 */
static bool sample_second(struct folio *folio)
{
	int n = folio_mapcount(folio);

	return n != 1 &&
	       total_mapcount(&folio->page)
	       > 1;
}

SYSCALL_DEFINE2(sample_syscall, unsigned long, start, size_t, len)
{
	struct page *page = NULL;

	return page_mapcount(page) == 1;
}

static const char *sample_names[] = {
	"folio_mapcount",
	"page_mapcount(page)",
};

#ifdef CONFIG_SAMPLE
static int sample_two_calls(struct page *page)
{
	return page_count(page) - page_mapcount(page);
}
#endif

static int sample_two_calls_again(struct page *page)
{
	return page_count(page) - page_mapcount(page);
}

static int sample_copy(struct page *page)
{
	if (page_mapcount(page) > 1)
		return 1;
	if (page_mapcount(page) > 1)
		return 2;
	return 0;
}
