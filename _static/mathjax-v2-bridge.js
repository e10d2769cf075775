// The Jupyter widgets HTML manager typesets widget labels with MathJax 2's API,
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); this book loads MathJax 3.
// Bridge that one call to MathJax 3's typesetPromise once MathJax has started.
document.addEventListener("DOMContentLoaded", function () {
  var mathjax = window.MathJax;
  if (!mathjax || mathjax.Hub) {
    return;
  }
  mathjax.Hub = {
    Queue: function (command) {
      var element = Array.isArray(command) ? command[2] : undefined;
      if (element && mathjax.typesetPromise) {
        mathjax.typesetPromise([element]);
      }
    },
  };
});
