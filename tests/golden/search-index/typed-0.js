window.SITEGEN_SEARCH_SHARD("typed",0,[["image theory a alpha study of n^2 things",[0]],["plain vision paper",[1]],["third script alert 1 script paper",[2]]]);
