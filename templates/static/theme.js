/* Loaded blocking in <head> so the chosen theme applies before the first paint (no flash). */
(function () {
  try {
    var saved = localStorage.getItem("sitegen-theme");
    if (saved === "dark" || saved === "light") document.documentElement.dataset.theme = saved;
  } catch (e) { /* storage may be off (file:// in some browsers): follow the system */ }
})();
