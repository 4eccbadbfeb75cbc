window.SITEGEN_SEARCH_SHARD("ids",0,[]);
