// koban link graph: draws the graph the page carries in data-graph with
// cytoscape. The table under it holds the same nodes and links for the
// keyboard and screen readers, and the page works without this script.
//
// Labels come from the page, already in the reader's language. Styles are
// cytoscape's own stylesheet objects, drawn on its canvas: nothing here
// writes a style attribute or a <style> element, which the page's
// Content-Security-Policy would refuse (see graph.css for the one rule
// cytoscape would otherwise add itself).
(function () {
  var el = document.getElementById("graph");
  if (!el || !window.cytoscape) return;
  var g = JSON.parse(el.getAttribute("data-graph"));
  var elements = [];
  g.nodes.forEach(function (n) {
    elements.push({ group: "nodes", data: { id: n.id, label: n.label, kind: n.kind, depth: n.depth, link: n.link || "" }, classes: n.class });
  });
  g.edges.forEach(function (e, i) {
    elements.push({ group: "edges", data: { id: "e" + i, source: e.from, target: e.to } });
  });
  var cy = window.cytoscape({
    container: el,
    elements: elements,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 4,
        "text-wrap": "ellipsis", "text-max-width": 160, color: "#1a1a1a" } },
      { selector: "node.record", style: { shape: "round-rectangle", "background-color": "#1d4f7a", width: 22, height: 16 } },
      { selector: "node.observable", style: { shape: "ellipse", "background-color": "#b35900", width: 16, height: 16 } },
      { selector: "node.hidden", style: { shape: "diamond", "background-color": "#777", width: 18, height: 18 } },
      { selector: "node.benign, node.common", style: { "background-color": "#bbb", "border-width": 2, "border-color": "#666" } },
      { selector: "node.root", style: { "border-width": 4, "border-color": "#ffbf47", width: 30, height: 24,
        "font-weight": "bold", "font-size": 12 } },
      { selector: "edge", style: { width: 1, "line-color": "#999", "curve-style": "haystack" } }
    ],
    // One ring per step from the start, so that the drawing shows the
    // same steps as the table.
    layout: {
      name: "concentric", animate: false, nodeDimensionsIncludeLabels: true, minNodeSpacing: 12,
      concentric: function (n) { return g.hops - n.data("depth"); },
      levelWidth: function () { return 1; }
    }
  });
  // A record opens its page; a value becomes the centre of a new graph.
  cy.on("tap", "node", function (evt) {
    var link = evt.target.data("link");
    if (link) window.location.href = link;
  });
})();
