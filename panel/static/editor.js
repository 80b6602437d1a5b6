// Code editors for dynamic providers: CodeMirror 5 (Python mode, line numbers) over each
// textarea[data-editor]; validation errors are marked at their lines. The textarea stays the form
// field (the editor copies its text back on every change), so plain submits and htmx both send it.
(function () {
  "use strict";
  if (!window.CodeMirror) { return; }
  var editors = {};
  var marked = [];

  document.querySelectorAll("textarea[data-editor]").forEach(function (area) {
    var escaped = false;
    var editor = window.CodeMirror.fromTextArea(area, {
      mode: "python", lineNumbers: true, indentUnit: 4, tabSize: 4, matchBrackets: true,
      viewportMargin: Infinity,
      extraKeys: {
        // Tab indents; Esc then Tab moves on, so keyboard users are never trapped in the editor.
        "Tab": function (cm) {
          if (escaped) { escaped = false; return window.CodeMirror.Pass; }
          if (cm.somethingSelected()) { cm.indentSelection("add"); } else { cm.replaceSelection("    ", "end"); }
        },
        "Shift-Tab": function (cm) {
          if (escaped) { escaped = false; return window.CodeMirror.Pass; }
          cm.indentSelection("subtract");
        },
        "Esc": function () { escaped = true; },
      },
    });
    editor.on("keydown", function (cm, event) { if (event.key !== "Escape" && event.key !== "Tab") { escaped = false; } });
    editor.on("change", function (cm) { cm.save(); });
    var input = editor.getInputField();
    input.setAttribute("aria-label", area.labels && area.labels[0] ? area.labels[0].textContent.trim() : area.name);
    if (area.getAttribute("aria-describedby")) { input.setAttribute("aria-describedby", area.getAttribute("aria-describedby")); }
    if (area.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", "true"); }
    if (area.rows && area.rows < 16) { editor.setSize(null, (area.rows * 1.5 + 1) + "em"); }
    editors[area.name] = editor;
    area.labels && area.labels[0] && area.labels[0].addEventListener("click", function () { editor.focus(); });
  });
  window.panelEditors = editors;

  function markErrors(root) {
    var code = editors.python_code;
    var holder = root.querySelector("[data-error-lines]");
    if (!code || !holder) { return; }
    marked.forEach(function (line) { code.removeLineClass(line, "wrap", "line-error"); });
    marked = [];
    holder.getAttribute("data-error-lines").split(",").filter(Boolean).forEach(function (text) {
      var line = parseInt(text, 10) - 1;
      if (line >= 0 && line < code.lineCount()) {
        code.addLineClass(line, "wrap", "line-error");
        marked.push(line);
      }
    });
    if (marked.length) { code.scrollIntoView({ line: marked[0], ch: 0 }, 120); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-goto-line]");
    if (!button || !editors.python_code) { return; }
    var line = parseInt(button.getAttribute("data-goto-line"), 10) - 1;
    editors.python_code.focus();
    editors.python_code.setCursor({ line: line, ch: 0 });
    editors.python_code.scrollIntoView({ line: line, ch: 0 }, 80);
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "validation-result") { markErrors(event.detail.target); }
  });
  var initial = document.getElementById("validation-result");
  if (initial) { markErrors(initial); }
})();
