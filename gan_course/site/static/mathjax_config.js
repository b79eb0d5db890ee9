// MathJax 3 for the course website (Sphinx inlines this file before loading MathJax; see conf.py).
// The ipywidgets html-manager typesets a widget's label through MathJax 2's `MathJax.Hub.Queue`, which
// MathJax 3 lacks: without this shim each label throws "Cannot read properties of undefined (reading 'Queue')".
// Labels queued before MathJax is ready are typeset once it is.
(function () {
  var waiting = [];
  var hub = {Queue: function (command) { waiting.push(command[2]); }};  // command: ["Typeset", Hub, element]
  // MyST-NB's own settings (which elements hold maths: processHtmlClass) come first; keep them
  var config = window.MathJax || {};
  config.tex = {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"], ["$$", "$$"]]};
  config.Hub = hub;
  config.startup = {
    ready: function () {
      MathJax.startup.defaultReady();
      MathJax.Hub = {Queue: function (command) { MathJax.typesetPromise([command[2]]); }};
      MathJax.startup.promise.then(function () { return MathJax.typesetPromise(waiting); });
    }
  };
  window.MathJax = config;
})();
