// Steps through the slides with buttons and keys; the slide number lives in location.hash (#3) so a link or a
// reload keeps the place. In guess-first mode the first "next" on a claim slide reveals the answer. Each chart
// is drawn at the height its slide leaves it (the CSS lays the slide out), and again when the window changes.
(function () {
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var drawn = {};
  var current = 0;
  function fromHash() {
    var n = parseInt((location.hash || '').replace('#', ''), 10);
    return (isNaN(n) || n < 1) ? 1 : Math.min(n, slides.length);
  }
  function room(holder) { return Math.max(120, Math.floor(holder.getBoundingClientRect().height)); }
  function drawOne(holder) {
    if (drawn[holder.id]) {
      Plotly.relayout(holder, { height: room(holder), width: Math.floor(holder.clientWidth) });
      return;
    }
    var spec = JSON.parse(document.getElementById(holder.id + '-spec').textContent);
    var layout = spec.figure.layout || {};
    layout.height = room(holder); layout.width = undefined; layout.autosize = true;
    Plotly.newPlot(holder, spec.figure.data || [], layout, spec.config);
    drawn[holder.id] = true;
  }
  // A slide may hold several charts (a claim with line and period tests); they share the room and are drawn
  // when the slide shows.
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
  function toggleFullscreen() {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
  }
  function redraw() { var slide = slides[current - 1]; if (!slide.classList.contains('guessing')) { draw(slide); } }
  document.getElementById('next').addEventListener('click', next);
  document.getElementById('prev').addEventListener('click', prev);
  document.getElementById('fullscreen').addEventListener('click', toggleFullscreen);
  slides.forEach(function (s) {
    var button = s.querySelector('.reveal');
    if (button) { button.addEventListener('click', function () { reveal(s); }); }
    var more = s.querySelector('.more');
    if (more) { more.addEventListener('toggle', redraw); }  // the opened verdict takes room from the chart
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight' || e.key === 'PageDown' || e.key === ' ') { e.preventDefault(); next(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { e.preventDefault(); prev(); }
    else if (e.key === 'Home') { show(1); } else if (e.key === 'End') { show(slides.length); }
    else if (e.key === 'f' || e.key === 'F') { toggleFullscreen(); }
  });
  var pending = null;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(redraw, 150); });
  window.addEventListener('hashchange', function () { show(fromHash()); });
  window.deck = { show: show, next: next, prev: prev, current: function () { return current; } };
  show(fromHash());
})();
