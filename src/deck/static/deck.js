// Steps through the slides with buttons and keys; the slide number lives in location.hash (#3) so a link or a
// reload keeps the place. In guess-first mode the first "next" on a claim slide reveals the answer.
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var drawn = {};
  var current = 0;
  function fromHash() {
    var n = parseInt((location.hash || '').replace('#', ''), 10);
    return (isNaN(n) || n < 1) ? 1 : Math.min(n, slides.length);
  }
  function drawOne(holder) {
    if (drawn[holder.id]) { Plotly.Plots.resize(holder); return; }
    var spec = JSON.parse(document.getElementById(holder.id + '-spec').textContent);
    var layout = spec.figure.layout || {};
    // At least 60% of the screen; a chart with several panels keeps its own (taller) height and the slide scrolls.
    var height = Math.max(layout.height || 0, Math.round(window.innerHeight * 0.6));
    holder.style.height = height + 'px';
    layout.height = height; layout.width = undefined; layout.autosize = true;
    Plotly.newPlot(holder, spec.figure.data || [], layout, spec.config);
    drawn[holder.id] = true;
  }
  // A slide may hold several charts (a claim with line and period tests); each is drawn when the slide shows.
  function draw(slide) {
    Array.prototype.forEach.call(slide.querySelectorAll('.figure'), drawOne);
  }
  function show(n) {
    current = Math.max(1, Math.min(n, slides.length));
    slides.forEach(function (s, i) { s.classList.toggle('active', i === current - 1); });
    document.getElementById('counter').textContent = current + ' / ' + slides.length;
    var slide = slides[current - 1];
    if (!slide.classList.contains('guessing')) { draw(slide); }
    if (location.hash !== '#' + current) { history.replaceState(null, '', '#' + current); }
  }
  function reveal(slide) { slide.classList.remove('guessing'); draw(slide); }
  function next() {
    var slide = slides[current - 1];
    if (slide.classList.contains('guessing')) { reveal(slide); return; }
    show(current + 1);
  }
  function prev() { show(current - 1); }
  document.getElementById('next').addEventListener('click', next);
  document.getElementById('prev').addEventListener('click', prev);
  slides.forEach(function (s) {
    var button = s.querySelector('.reveal');
    if (button) { button.addEventListener('click', function () { reveal(s); }); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') { e.preventDefault(); next(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { e.preventDefault(); prev(); }
    else if (e.key === 'Home') { show(1); } else if (e.key === 'End') { show(slides.length); }
  });
  window.addEventListener('hashchange', function () { show(fromHash()); });
  window.deck = { show: show, next: next, prev: prev, current: function () { return current; } };
  show(fromHash());
})();
