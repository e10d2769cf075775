# @title Data: Fashion-MNIST as flat, scaled arrays
# As in chapter 3: flat, scaled to [0, 1], 10,000 images held out.
# load_fashion_mnist comes from the cell above (bookkit/fashion_mnist.py).
(train_images, train_labels), (test_images, test_labels) = load_fashion_mnist()
class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def prepare(images):
    """28x28 uint8 images -> float32 vectors of 784 values in [0, 1]."""
    return (images.reshape(len(images), 28 * 28) / 255.0).astype("float32")


x_train, y_train = prepare(train_images[:50_000]), train_labels[:50_000]
x_val, y_val = prepare(train_images[50_000:]), train_labels[50_000:]
x_test, y_test = prepare(test_images), test_labels
print(f"train {x_train.shape}, validation {x_val.shape}, test {x_test.shape}")
