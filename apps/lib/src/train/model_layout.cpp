// model_layout.cpp — which model a checkpoint holds and which one a run needs,
// by name and parameter shapes, for the message that refuses a checkpoint of
// another model. Builds the needed model only to read its parameter shapes;
// it trains nothing and is not on any path that succeeds.
#include <minitorch/apps/checkpoint.hpp>
#include <minitorch/apps/recipes.hpp>
#include <minitorch/apps/train2d.hpp>
#include <minitorch/errors.hpp>

#include <cstdlib>

namespace mt {

std::string recipe_model_name(const std::string& recipe,
                              const std::map<std::string, std::string>& hyper) {
  if (recipe == "mlp2d") {
    const auto it = hyper.find("hidden");
    const std::string h = it == hyper.end() ? "H" : it->second;
    return "MLP 2-" + h + "-" + h + "-1";
  }
  if (recipe == "lenet")
    return "LeNet";
  if (recipe == "kim-cnn")
    return "Kim CNN";
  return recipe;
}

std::string parameter_summary(const std::vector<SavedTensor>& tensors) {
  std::string out =
      std::to_string(tensors.size()) + (tensors.size() == 1 ? " parameter" : " parameters");
  for (std::size_t i = 0; i < tensors.size(); ++i)
    out += (i == 0 ? ": " : ", ") + tensors[i].name + " " + shape_to_string(tensors[i].shape);
  return out;
}

std::vector<SavedTensor> recipe_parameter_layout(const std::string& recipe,
                                                 const std::string& dataset,
                                                 const std::map<std::string, std::string>& hyper) {
  try {
    const TensorOptions options{.dtype = DType::f32, .backend = load_backend("reference")};
    std::shared_ptr<Module> model;
    if (recipe == "mlp2d") {
      const auto it = hyper.find("hidden");
      const long hidden = it == hyper.end() ? 0 : std::strtol(it->second.c_str(), nullptr, 10);
      if (hidden < 1 || hidden > 100000)
        return {};
      model = std::make_shared<Mlp2D>(hidden, options);
    } else if (recipe == "lenet") {
      model = std::make_shared<LeNet>(options);  // 28 x 28, 10 classes: MNIST and Fashion-MNIST
    } else if (recipe == "kim-cnn" && dataset == "imdb") {
      model = std::make_shared<KimCnn>(100, 100, std::vector<int64_t>{3, 4, 5}, 0.5, options);
    } else {
      return {};
    }
    std::vector<SavedTensor> layout;
    for (const auto& [name, p] : model->named_parameters())
      layout.push_back(SavedTensor{name, p->value().shape(), p->value().dtype(), {}});
    return layout;
  } catch (const Error&) {
    return {};
  }
}

void check_checkpoint_model(const Checkpoint& checkpoint, const std::filesystem::path& file,
                            const std::string& recipe, const std::string& dataset,
                            const std::string& asked_by,
                            const std::map<std::string, std::string>& needed_hyper) {
  if (checkpoint.recipe == recipe)
    return;
  const std::vector<SavedTensor> needed = recipe_parameter_layout(recipe, dataset, needed_hyper);
  std::string message = file.string() + " (checkpoint) holds model " +
                        recipe_model_name(checkpoint.recipe, checkpoint.hyper) + " (dataset " +
                        checkpoint.dataset + ", recipe " + checkpoint.recipe + "; " +
                        parameter_summary(checkpoint.parameters) + ") but " + asked_by +
                        " needs model " + recipe_model_name(recipe, needed_hyper) + " (recipe " +
                        recipe + (needed.empty() ? "" : "; " + parameter_summary(needed)) + ")";
  message += "; to use this checkpoint give --dataset " + checkpoint.dataset +
             " (or leave --dataset out), or train a new model without --load";
  throw DataError(message);
}

}  // namespace mt
