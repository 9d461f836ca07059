// Moves keyboard and screen-reader focus to the error summary when a form comes back with
// errors. Without JavaScript the summary still sits at the top of the page, where it opens.
(function () {
  var summary = document.getElementById('error-summary');
  if (summary) { summary.focus(); }
})();
