// Lotse information pages. Everything here is an addition: the pages work
// without it. It stores nothing, sends nothing and changes no address.
(function () {
  'use strict';

  // Quick exit: the link in the header, or Shift pressed three times
  // within two seconds. With scripts, the exit replaces this page in the
  // tab's history instead of adding to it.
  var exit = document.getElementById('quick-exit');
  if (exit) {
    var target = exit.href;
    var leave = function () {
      document.body.hidden = true;
      window.location.replace(target);
    };
    exit.addEventListener('click', function (e) {
      e.preventDefault();
      leave();
    });
    var presses = [];
    document.addEventListener('keydown', function (e) {
      if (e.key !== 'Shift' || e.repeat) {
        return;
      }
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < 2000; });
      presses.push(now);
      if (presses.length >= 3) {
        leave();
      }
    });
  }

  // Links within the site replace this page's history entry instead of
  // adding one, so a visit leaves a single entry (which the quick exit
  // replaces). Without scripts they are ordinary links.
  document.addEventListener('click', function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) {
      return;
    }
    var a = e.target && e.target.closest ? e.target.closest('a[href]') : null;
    if (!a || a === exit || a.target || a.origin !== window.location.origin || a.hash && a.pathname === window.location.pathname) {
      return;
    }
    e.preventDefault();
    window.location.replace(a.href);
  });

  // Directory filter: shows and hides entries in the page. It never
  // touches the address, the history or any storage.
  var filter = document.getElementById('centre-filter');
  if (!filter) {
    return;
  }
  var state = document.getElementById('filter-state');
  var language = document.getElementById('filter-language');
  var group = document.getElementById('filter-group');
  var count = document.getElementById('filter-count');
  var empty = document.getElementById('filter-empty');
  var sections = document.querySelectorAll('.directory section.state');
  var missing = document.querySelector('.directory .missing');

  var has = function (list, word) {
    return word === '' || (' ' + list + ' ').indexOf(' ' + word + ' ') >= 0;
  };

  var apply = function () {
    var shown = 0;
    sections.forEach(function (section) {
      var inSection = 0;
      section.querySelectorAll('li.centre').forEach(function (li) {
        // A nationwide centre helps in every state.
        var ok = (state.value === '' || li.dataset.state === state.value || li.dataset.state === 'DE') &&
          has(li.dataset.languages || '', language.value) &&
          has(li.dataset.groups || '', group.value);
        li.hidden = !ok;
        if (ok) {
          inSection++;
        }
      });
      section.hidden = inSection === 0;
      shown += inSection;
    });
    var filtered = state.value !== '' || language.value !== '' || group.value !== '';
    if (missing) {
      missing.hidden = filtered;
    }
    empty.hidden = shown !== 0;
    var text = shown === 1 ? filter.dataset.countOne : filter.dataset.countMany;
    count.textContent = (text || '').replace('{n}', String(shown));
  };

  [state, language, group].forEach(function (select) {
    select.addEventListener('change', apply);
  });
  filter.hidden = false;
  apply();
})();
