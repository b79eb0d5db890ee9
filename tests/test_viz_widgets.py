"""Pictures and widgets without a browser: a control's value in, deterministic PNG bytes out."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gan_course import models, training, viz, widgets  # noqa: E402


def test_image_grid_layout_and_values():
    images = torch.stack([torch.full((1, 2, 2), v) for v in (-1.0, 0.0, 1.0)])
    grid = viz.image_grid(images, nrow=2, pad=1)
    assert grid.shape == (1 + 2 * 3, 1 + 2 * 3) and grid.dtype == np.uint8
    assert grid[1, 1] == 0 and grid[1, 4] == 128 and grid[4, 1] == 255  # -1 -> 0, 0 -> 128, 1 -> 255
    assert viz.image_grid(torch.zeros(4, 3, 5, 5)).shape == (13, 13, 3)
    with pytest.raises(ValueError, match="1 or 3"):
        viz.image_grid(torch.zeros(2, 2, 4, 4))


def test_png_bytes_are_deterministic():
    picture = viz.upscale(viz.image_grid(torch.rand(4, 1, 3, 3) * 2 - 1), 2)
    assert viz.png_bytes(picture) == viz.png_bytes(picture.copy())

    def figure():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        return fig

    assert viz.png_bytes(figure()) == viz.png_bytes(figure())


def small_run():
    torch.manual_seed(0)
    G, D = models.build("mlp", sample_shape=(2,), z_dim=4, hidden=8, n_layers=1)
    x = torch.randn(256, 2)
    return training.train_gan(G, D, x, training.TrainConfig(steps=8, batch_size=32, snapshot_every=2),
                              progress=False), x


def test_snapshot_player_updates_on_slider_and_is_deterministic():
    run, x = small_run()

    def draw(step, samples):
        fig, ax = plt.subplots(figsize=(2, 2))
        viz.plot_points(x, samples, ax=ax, title=f"step {step}")
        return fig

    player = widgets.snapshot_player(run.history, draw)
    slider = player.controls["index"]
    assert slider.max == len(run.history.snapshots) - 1 == 4  # steps 1, 2, 4, 6, 8
    last = player.image.value
    slider.value = 0
    first = player.image.value
    assert first != last
    slider.value = slider.max
    assert player.image.value == last  # same value, same picture
    assert player.render(index=0) is not None
    with pytest.raises(ValueError, match="no snapshots"):
        widgets.snapshot_player(training.History(), draw)


def test_plot_critic_and_snapshots_draw():
    run, x = small_run()
    ax = viz.plot_critic(run.D, 3.0, probability=True)
    assert ax.collections
    fig = viz.plot_snapshots(run.history, x, max_panels=3)
    assert len(fig.axes) == 3
    viz.plot_history(run.history)
    plt.close("all")


def test_display_size_enlarges_small_pixel_pictures_by_a_whole_factor_and_shrinks_large_ones():
    assert widgets.display_size(412, 72) == (824, 144)            # x2: x3 would be wider than 900
    assert widgets.display_size(100, 150) == (300, 450)           # x3: x4 would be taller than 480
    assert widgets.display_size(412, 72, enlarge=False) == (412, 72)  # a figure is shown as drawn
    assert widgets.display_size(1800, 300) == (900, 150)          # too wide: shrunk, same aspect ratio
    assert widgets.display_size(900, 480) == (900, 480)
    assert widgets.display_size(900, 600) == (720, 480)


def test_figures_are_drawn_to_fit_the_display_box():
    for size, dpi in (((4, 4), 80), ((22.5, 3), 40), ((5, 10), 48)):
        fig = plt.figure(figsize=size)
        assert widgets.core.figure_dpi(fig) == dpi
        assert widgets.core.png_size(viz.png_bytes(fig, dpi=dpi)) == (int(size[0] * dpi), int(size[1] * dpi))


def test_image_view_layout_for_a_laptop_screen():
    import ipywidgets as W

    sliders = {f"s{i}": W.IntSlider(value=0, min=0, max=3) for i in range(5)}
    view = widgets.ImageView(lambda **v: np.full((10, 30), 40 * sum(v.values()), dtype=np.uint8), sliders, "5 sliders")
    image = view.image
    assert widgets.core.png_size(image.value) == (30, 10)
    assert (image.layout.width, image.layout.height) == ("900px", "300px")  # x30: the pixels as sharp squares
    assert image.layout.align_self == "flex-start" and "gan-course-pixelated" in image._dom_classes
    box = view.widget
    controls = box.children[-2]
    assert controls.layout.flex_flow == "row wrap" and set(controls.children) == set(sliders.values())
    assert box.layout.max_width == "900px" and "image-rendering: pixelated" in box.children[0].value

    def figure(**_):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 1])
        return fig

    drawn = widgets.ImageView(figure, {}).image
    assert (drawn.layout.width, drawn.layout.height) == ("400px", "240px")  # 80 dpi, shown as drawn
    assert "gan-course-pixelated" not in drawn._dom_classes


def test_stack_pictures_pads_to_the_widest():
    top, bottom = np.zeros((2, 3), np.uint8), np.zeros((1, 5), np.uint8)
    stacked = widgets.stack_pictures([top, bottom], gap=2)
    assert stacked.shape == (5, 5) and (stacked[:2, 3:] == 255).all() and (stacked[2:4] == 255).all()
    assert (stacked[4] == 0).all()


def test_sliders_refuse_a_value_outside_their_range_instead_of_clamping_it():
    from gan_course.widgets.core import float_slider, int_slider

    assert int_slider("seed", 5, 0, 999).value == 5
    with pytest.raises(ValueError, match=r"seed must be an int <= 999 \(the slider's range\), got 5000"):
        int_slider("seed", 5000, 0, 999)  # ipywidgets alone would show seed 999
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        int_slider("seed", -1, 0, 999)
    assert float_slider("psi", 0.7, 0.0, 1.0, 0.05).value == pytest.approx(0.7)
    with pytest.raises(ValueError, match=r"psi must be in \[0.0, 1.0\], got 1.5"):
        float_slider("psi", 1.5, 0.0, 1.0, 0.05)
    with pytest.raises(ValueError, match="psi must be"):
        float_slider("psi", float("nan"), 0.0, 1.0, 0.05)


def test_a_seed_slider_starts_at_any_seed_it_is_given():
    from gan_course.widgets.core import seed_slider

    assert (seed_slider("seed", 7).value, seed_slider("seed", 7).max) == (7, 999)
    big = seed_slider("seed", 20251205)  # a papermill run's seed: shown as it is, not clamped to 999
    assert (big.value, big.max) == (20251205, 20251205)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        seed_slider("seed", -1)
