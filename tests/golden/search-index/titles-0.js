window.SITEGEN_SEARCH_SHARD("titles",0,["Image Theory: A $\\alpha$-Study of N^2 Things","Plain Vision Paper","Third \u003cscript>alert(1)\u003c/script> Paper"]);
