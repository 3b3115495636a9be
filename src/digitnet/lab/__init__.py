"""The book's small experiments, each a module with a ``run`` that prints and draws it.

- ``gates``: perceptrons as NAND gates, the two-bit adder, sigmoid neurons as smoothed
  perceptrons (chapter 1);
- ``binary``: the exercise that turns the ten output neurons into a 4-bit binary code
  (chapter 1);
- ``descent``: gradient descent on two-variable surfaces with small and large learning
  rates (chapter 1's ball rolling downhill);
- ``linear``: the linear classifier demo of CS231n with multiclass SVM, one-vs-all SVM and
  softmax losses;
- ``playground``: small 2-D problems (circle, XOR, Gaussians, spiral) with chosen input
  features, trained by digitnet's engine, in the spirit of TensorFlow Playground.

``digitnet lab NAME [--out FILE.png]`` runs one of them.
"""
