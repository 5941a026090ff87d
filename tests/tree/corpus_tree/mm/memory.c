// SPDX-License-Identifier: GPL-2.0-only
/* Excerpt for the tree-audit tests (see ../README.md). */
#include <linux/mm.h>

static vm_fault_t do_numa_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct page *page = NULL;
	int flags = 0;

	/* ... */
	/*
	 * Flag if the page is shared between multiple address spaces. This
	 * is later used when determining whether to group tasks together
	 */
	if (page_mapcount(page) > 1 && (vma->vm_flags & VM_SHARED))
		flags |= TNF_SHARED;
	/* ... */
	pr_debug("page_mapcount(page) > 1 means shared\n");
	return 0;
}
