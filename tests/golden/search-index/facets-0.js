window.SITEGEN_SEARCH_SHARD("facets",0,{"status":["unread"],"tag":["theory","vision"],"list":["two","one"],"papers":[[0,[0,1],[1]],[0,[1],[1,0]],[0,[0],[0]]]});
